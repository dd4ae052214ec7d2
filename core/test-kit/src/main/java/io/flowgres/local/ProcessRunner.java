package io.flowgres.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.jspecify.annotations.Nullable;

/**
 * Runs PostgreSQL's programs, as an unprivileged account when the JVM is root (the server refuses
 * to run as root), and hands files to that account.
 */
final class ProcessRunner {

    private final @Nullable String osUser;

    private ProcessRunner(@Nullable String osUser) {
        this.osUser = osUser;
    }

    /**
     * A runner for this JVM: direct when not root, else through {@code runuser} as {@code osUser}.
     *
     * @throws IllegalStateException when root and the account does not exist
     */
    static ProcessRunner forCurrentUser(String osUser) {
        if (!isRoot()) {
            return new ProcessRunner(null);
        }
        Result id = direct().run(List.of("id", "-u", osUser), Map.of(), Duration.ofSeconds(10));
        if (id.exitCode() != 0) {
            throw new IllegalStateException("PostgreSQL refuses to run as root, and the account '" + osUser
                    + "' to run it as does not exist: create it (useradd --system --create-home " + osUser
                    + ") or name another with -Dflowgres.local.osUser=<account>");
        }
        return new ProcessRunner(osUser);
    }

    /** A runner that runs commands as this JVM's own user. */
    static ProcessRunner direct() {
        return new ProcessRunner(null);
    }

    static boolean isRoot() {
        try {
            Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            return Integer.valueOf(0).equals(uid);
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    /** Whether commands run as another account. */
    boolean switchesUser() {
        return osUser != null;
    }

    /**
     * Runs a command to completion.
     *
     * @return its exit code and combined output
     * @throws IllegalStateException when it cannot be started or does not finish in time
     */
    Result run(List<String> command, Map<String, String> environment, Duration timeout) {
        List<String> full = new ArrayList<>();
        if (osUser != null) {
            full.addAll(List.of("runuser", "-u", osUser, "--"));
        }
        full.addAll(command);
        ProcessBuilder builder = new ProcessBuilder(full).redirectErrorStream(true);
        builder.environment().putAll(environment);
        try {
            Path output = Files.createTempFile("flowgres-cmd", ".log");
            try {
                Process process = builder.redirectOutput(output.toFile()).start();
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                    throw new IllegalStateException(command.get(0) + " did not finish within " + timeout);
                }
                return new Result(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(output);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command.get(0), e);
        }
    }

    /** Runs a command and fails with its output when it exits non-zero. */
    String runOrFail(List<String> command, Map<String, String> environment, Duration timeout) {
        Result result = run(command, environment, timeout);
        if (result.exitCode() != 0) {
            throw new IllegalStateException(Path.of(command.get(0)).getFileName() + " failed (exit "
                    + result.exitCode() + "): " + tail(result.output(), 2000));
        }
        return result.output();
    }

    /** Gives a file tree to the server's account, so that it can read and write it. */
    void handOver(Path path) {
        if (osUser == null) {
            return;
        }
        try (Stream<Path> tree = Files.walk(path)) {
            UserPrincipalLookupService lookup = path.getFileSystem().getUserPrincipalLookupService();
            UserPrincipal owner = lookup.lookupPrincipalByName(osUser);
            for (Path each : (Iterable<Path>) tree::iterator) {
                Files.setOwner(each, owner);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot hand " + path + " to " + osUser + ": " + e.getMessage(), e);
        }
    }

    /** Sends a signal ({@code STOP}, {@code CONT}, {@code KILL}) to processes. */
    void signal(String signal, List<Long> pids) {
        if (pids.isEmpty()) {
            return;
        }
        List<String> command = new ArrayList<>(List.of("kill", "-" + signal));
        pids.forEach(pid -> command.add(Long.toString(pid)));
        // As root we may signal the server's processes directly; otherwise they are our own.
        direct().run(command, Map.of(), Duration.ofSeconds(10));
    }

    static String tail(String text, int max) {
        return text.length() <= max ? text.strip() : "…" + text.substring(text.length() - max).strip();
    }

    /** A finished command. */
    record Result(int exitCode, String output) {
    }
}
