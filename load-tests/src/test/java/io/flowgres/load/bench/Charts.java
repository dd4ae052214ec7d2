package io.flowgres.load.bench;

import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.imageio.ImageIO;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.CategoryStyler;
import org.knowm.xchart.style.Styler;

/**
 * Writes a benchmark's figures as PNG charts (XChart), into the directory named by
 * {@code -Dbench.charts} (the profiles set {@code load-tests/target/charts}; {@code target/charts}
 * of the working directory otherwise). Two shapes cover the benchmarks, both over categories: lines
 * (a figure against concurrency or depth) and grouped bars (by strategy, contender, instance).
 */
final class Charts {

    /** The system property naming the output directory. */
    static final String DIRECTORY_PROPERTY = "bench.charts";

    private static final int WIDTH = 900;
    private static final int HEIGHT = 520;

    static {
        // Charts are drawn off-screen: no display is needed, nor wanted on a build machine.
        System.setProperty("java.awt.headless", "true");
    }

    private Charts() {
    }

    /** Series of one chart, by name in legend order; a fresh, ordered map to fill. */
    static <V> Map<String, V> series() {
        return new LinkedHashMap<>();
    }

    /**
     * Writes a line chart: one line per series through evenly spaced categories (concurrency 1, 8,
     * 32, 128 or depths 0 to 1M, whose steps are far from even).
     *
     * @param file the file name, without directory, ending in {@code .png}
     * @param title the chart's title (say what was measured, where and when)
     * @param xTitle the category axis's title
     * @param yTitle the value axis's title
     * @param categories the category labels, left to right
     * @param lines the values of each series, one per category
     * @param logY whether the value axis is logarithmic (for values across orders of magnitude)
     * @return where the chart was written
     */
    static Path lines(String file, String title, String xTitle, String yTitle, List<String> categories,
            Map<String, double[]> lines, boolean logY) {
        CategoryChart chart = chart(title, xTitle, yTitle, logY);
        chart.getStyler().setDefaultSeriesRenderStyle(CategorySeries.CategorySeriesRenderStyle.Line);
        // Every series's point sits on its category, not side by side as bars would.
        chart.getStyler().setOverlapped(true);
        chart.getStyler().setMarkerSize(9);
        lines.forEach((name, values) -> chart.addSeries(name, categories, toList(values)));
        return write(chart, file);
    }

    /**
     * Writes a grouped bar chart: for each category, one bar per series.
     *
     * @param file the file name, without directory, ending in {@code .png}
     * @param title the chart's title
     * @param yTitle the value axis's title
     * @param categories the category labels, left to right
     * @param bars the values of each series, one per category
     * @param logY whether the value axis is logarithmic (for values across orders of magnitude)
     * @return where the chart was written
     */
    static Path bars(String file, String title, String yTitle, List<String> categories, Map<String, double[]> bars,
            boolean logY) {
        CategoryChart chart = chart(title, "", yTitle, logY);
        chart.getStyler().setLabelsVisible(true);
        chart.getStyler().setLabelsFontColorAutomaticEnabled(false);
        chart.getStyler().setLabelsFontColor(Color.DARK_GRAY);
        if (logY) {
            // XChart draws log-scale bars up from the axis minimum, which must be above zero.
            double smallest = bars.values().stream().flatMapToDouble(Arrays::stream).filter(value -> value > 0).min()
                    .orElse(1);
            chart.getStyler().setYAxisMin(Math.pow(10, Math.floor(Math.log10(smallest))));
        }
        bars.forEach((name, values) -> chart.addSeries(name, categories, toList(values)));
        return write(chart, file);
    }

    /** A category chart in the common style; an empty {@code xTitle} hides the category axis's title. */
    private static CategoryChart chart(String title, String xTitle, String yTitle, boolean logY) {
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        CategoryStyler styler = chart.getStyler();
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotBackgroundColor(Color.WHITE);
        styler.setLegendPosition(Styler.LegendPosition.OutsideS);
        styler.setLegendLayout(Styler.LegendLayout.Horizontal);
        styler.setDecimalPattern("#,##0.##");
        styler.setXAxisTitleVisible(!xTitle.isEmpty());
        styler.setYAxisLogarithmic(logY);
        if (!logY) {
            styler.setYAxisMin(0.0);
        }
        return chart;
    }

    private static List<Double> toList(double[] values) {
        return Arrays.stream(values).boxed().toList();
    }

    private static Path write(Chart<?, ?> chart, String file) {
        if (!file.endsWith(".png")) {
            throw new IllegalArgumentException("chart file must end in .png, was " + file);
        }
        Path directory = Path.of(System.getProperty(DIRECTORY_PROPERTY, "target/charts"));
        Path target = directory.resolve(file);
        try {
            Files.createDirectories(directory);
            if (!ImageIO.write(BitmapEncoder.getBufferedImage(chart), "png", target.toFile())) {
                throw new IOException("no PNG writer");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write chart " + target, e);
        }
        System.out.println("chart: " + target.toAbsolutePath().normalize());
        return target;
    }
}
