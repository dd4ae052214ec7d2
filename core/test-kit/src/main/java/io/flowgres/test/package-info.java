/**
 * The test kit: {@link io.flowgres.test.FlowgresCluster} gives a JUnit 5 test class a real
 * primary-plus-replicas cluster and its configuration; {@link io.flowgres.test.Await} waits for
 * what the servers reach in their own time.
 */
@NullMarked
package io.flowgres.test;

import org.jspecify.annotations.NullMarked;
