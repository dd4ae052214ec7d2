package io.flowgres.load;

import java.util.Arrays;
import java.util.List;

/**
 * Space-separated words of a setting: the extra {@code --name=value} arguments a benchmark or the
 * chaos run passes to the service for one run ({@code -Dbench.referenceArgs}, {@code -Dbench.serviceArgs},
 * {@code -Dflowgres.chaos.serviceArgs}), or a command line.
 */
public final class ServiceArguments {

    private ServiceArguments() {
    }

    /**
     * The words of a system property.
     *
     * @param property the property's name
     * @return its words, none when it is unset or blank
     */
    public static List<String> fromProperty(String property) {
        return words(System.getProperty(property, ""));
    }

    /**
     * The words of a line.
     *
     * @param line words separated by whitespace
     * @return them in order, none for a blank line
     */
    public static List<String> words(String line) {
        return Arrays.stream(line.trim().split("\\s+")).filter(word -> !word.isEmpty()).toList();
    }
}
