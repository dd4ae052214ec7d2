package db.reference;

import java.sql.Statement;

import io.flowgres.query.Once;
import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;

/**
 * The table {@code Flowgres.writeOnce} keeps idempotency keys in, as the library defines it
 * ({@link Once#SCHEMA}), so that the demo's keyed {@code POST /api/pitches} can use it.
 */
public final class V3__idempotency_keys extends BaseJavaMigration {

    /** Creates the table. */
    @Override
    public void migrate(Context context) throws Exception {
        try (Statement statement = context.getConnection().createStatement()) {
            statement.execute(Once.SCHEMA);
        }
    }
}
