/**
 * What an application says about one unit of work ({@link io.flowgres.query.Query}) and what it
 * gets back: committed results with their consistency token, and the {@link
 * io.flowgres.query.FlowgresException} hierarchy every operation fails with.
 */
@NullMarked
package io.flowgres.query;

import org.jspecify.annotations.NullMarked;
