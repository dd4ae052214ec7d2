/**
 * The reference service's demo domain: users and their film pitches, schema, seed data and endpoints.
 */
@NullMarked
package io.flowgres.reference.pitches;

import org.jspecify.annotations.NullMarked;
