/**
 * The query cache in the service: its {@code flowgres.cache.*} properties, the {@code QueryCache} bean,
 * the {@code LISTEN}/{@code NOTIFY} link between instances and the admin hook that clears it.
 */
@NullMarked
package io.flowgres.web.cache;

import org.jspecify.annotations.NullMarked;
