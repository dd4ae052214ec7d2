/**
 * What a user configures: the cluster's nodes, credentials and the policies every node shares.
 */
@NullMarked
package io.flowgres.cluster;

import org.jspecify.annotations.NullMarked;
