/**
 * Routing as the web sees it: the topology endpoint and the read-your-writes header.
 */
@NullMarked
package io.flowgres.web.routing;

import org.jspecify.annotations.NullMarked;
