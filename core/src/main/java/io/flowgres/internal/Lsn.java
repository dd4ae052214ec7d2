package io.flowgres.internal;

/**
 * PostgreSQL write-ahead-log positions ({@code pg_lsn}, written {@code 16/B374D848}) as byte
 * offsets, so that positions compare and subtract as plain numbers.
 */
public final class Lsn {

    private Lsn() {
    }

    /**
     * Parses a position.
     *
     * @param text the {@code pg_lsn} text form, {@code X/Y} in hexadecimal
     * @return the byte offset
     * @throws IllegalArgumentException when the text is not an LSN
     */
    public static long parse(String text) {
        int slash = text.indexOf('/');
        if (slash <= 0 || slash == text.length() - 1 || slash > 8 || text.length() - slash - 1 > 8) {
            throw new IllegalArgumentException("lsn must look like 16/B374D848, was '" + text + "'");
        }
        try {
            return (Long.parseLong(text.substring(0, slash), 16) << 32) | Long.parseLong(text.substring(slash + 1), 16);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("lsn must look like 16/B374D848, was '" + text + "'");
        }
    }

    /**
     * Formats a position the way PostgreSQL does.
     *
     * @param lsn the byte offset
     * @return the {@code X/Y} text form
     */
    public static String format(long lsn) {
        return Long.toHexString(lsn >>> 32).toUpperCase(java.util.Locale.ROOT) + "/"
                + Long.toHexString(lsn & 0xFFFFFFFFL).toUpperCase(java.util.Locale.ROOT);
    }
}
