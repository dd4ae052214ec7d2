package io.flowgres.reference.pitches;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.annotation.Transactional;
import reactor.core.publisher.Flux;

/**
 * The demo's writes as a Spring service of {@code @Transactional} methods over {@code DatabaseClient},
 * the way a Spring Data application writes them. Called on their own, each runs in a transaction of
 * the starter's transaction manager on the primary; {@link PitchStore} calls them inside Flowgres
 * transactions ({@code LentConnections}), where they join the operation's transaction, which decides
 * about re-runs, commits once and reports an outcome it cannot know as such.
 */
@Transactional
public class PitchWrites {

    // One statement for any number of rows: each column travels as one array parameter, so the SQL text,
    // and with it the prepared statement, is the same whatever the batch size, and the batch is one round
    // trip. ORDER BY position makes the rows draw their identity values in input order.
    private static final String CREATE_BATCH_SQL = "INSERT INTO pitch (owner_id, title, logline, genre, format, "
            + "production_stage, status) SELECT owner_id, title, logline, genre, format, production_stage, status "
            + "FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) "
            + "WITH ORDINALITY AS input (owner_id, title, logline, genre, format, production_stage, status, "
            + "position) ORDER BY position RETURNING " + PitchStore.COLUMNS;

    private final DatabaseClient client;

    /**
     * Creates the service.
     *
     * @param client the application's {@code DatabaseClient}
     */
    public PitchWrites(DatabaseClient client) {
        this.client = client;
    }

    /**
     * Creates one pitch.
     *
     * @param draft the validated input
     * @return the stored pitch, with its id and creation time
     */
    public Flux<Pitch> create(PitchDraft draft) {
        return client.sql("INSERT INTO pitch (owner_id, title, logline, genre, format, "
                        + "production_stage, status) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING "
                        + PitchStore.COLUMNS)
                .bind(0, draft.ownerId())
                .bind(1, draft.title())
                .bind(2, draft.logline())
                .bind(3, draft.genre().name().toLowerCase(Locale.ROOT))
                .bind(4, draft.format().name().toLowerCase(Locale.ROOT))
                .bind(5, draft.productionStage().name().toLowerCase(Locale.ROOT))
                .bind(6, draft.status().name().toLowerCase(Locale.ROOT))
                .map(PitchStore::map)
                .all();
    }

    /**
     * Changes some columns of one pitch.
     *
     * @param id the pitch's id
     * @param columns the new values by column name, from {@link PitchPatch#validate()}
     * @return the changed pitch, or none when there is no pitch with that id
     */
    public Flux<Pitch> update(long id, Map<String, String> columns) {
        List<String> assignments = new ArrayList<>();
        for (String column : columns.keySet()) {
            assignments.add(column + " = $" + (assignments.size() + 1));
        }
        String sql = "UPDATE pitch SET " + String.join(", ", assignments) + " WHERE id = $"
                + (assignments.size() + 1) + " RETURNING " + PitchStore.COLUMNS;
        List<String> values = List.copyOf(columns.values());
        DatabaseClient.GenericExecuteSpec statement = client.sql(sql);
        for (int i = 0; i < values.size(); i++) {
            statement = statement.bind(i, values.get(i));
        }
        return statement.bind(values.size(), id).map(PitchStore::map).all();
    }

    /**
     * Creates many pitches with one statement, all or none: one statement is atomic, so a single bad
     * row (an unknown owner) fails the batch and stores nothing.
     *
     * @param drafts the validated input, in order
     * @return the stored pitches (in no particular order: PostgreSQL promises none for {@code RETURNING})
     */
    public Flux<Pitch> createAll(List<PitchDraft> drafts) {
        int size = drafts.size();
        Long[] owners = new Long[size];
        String[] titles = new String[size];
        String[] loglines = new String[size];
        String[] genres = new String[size];
        String[] formats = new String[size];
        String[] stages = new String[size];
        String[] statuses = new String[size];
        for (int i = 0; i < size; i++) {
            PitchDraft draft = drafts.get(i);
            owners[i] = draft.ownerId();
            titles[i] = draft.title();
            loglines[i] = draft.logline();
            genres[i] = draft.genre().name().toLowerCase(Locale.ROOT);
            formats[i] = draft.format().name().toLowerCase(Locale.ROOT);
            stages[i] = draft.productionStage().name().toLowerCase(Locale.ROOT);
            statuses[i] = draft.status().name().toLowerCase(Locale.ROOT);
        }
        return client.sql(CREATE_BATCH_SQL)
                .bind(0, owners)
                .bind(1, titles)
                .bind(2, loglines)
                .bind(3, genres)
                .bind(4, formats)
                .bind(5, stages)
                .bind(6, statuses)
                .map(PitchStore::map)
                .all();
    }

    /**
     * Deletes one pitch.
     *
     * @param id the pitch's id
     * @return the deleted pitch, or none when there was none
     */
    public Flux<Pitch> delete(long id) {
        return client.sql("DELETE FROM pitch WHERE id = $1 RETURNING " + PitchStore.COLUMNS).bind(0, id)
                .map(PitchStore::map).all();
    }
}
