/* showstream — an incident's timeline, in the order replay gives it, read
 * from its log record by record, for show --json at any length in bounded
 * memory. A first pass reads the log with the replay's reader (the same
 * validation, torn lines, warnings and errors) and keeps only what derived
 * state needs: every record that is not a plain note, the notes edits name,
 * a compact set of ids (so a repeated id counts once, exactly) and the keys
 * of the notes that stand out of file order. The second pass streams the
 * notes again from the same open log, up to where the first pass ended, and
 * merges them with the rest: byte for byte the entries incident_load gives.
 * The caller owns the stream; what it hands out lives until the next call. */
#ifndef WARROOM_SHOWSTREAM_H
#define WARROOM_SHOWSTREAM_H

#include <stddef.h>
#include <stdint.h>

#include "warroom/buf.h"
#include "warroom/incident.h"

struct showstream;

/* Pass one over the log of incident ID at LOG_PATH. Returns 0, or -1 with a
 * message (damage, an unreadable log) as incident_load would. */
int showstream_open(struct showstream **out, const char *id, const char *log_path);

/* The incident replayed from every record but the plain notes: everything
 * show --json writes but the timeline (its timeline holds only those). */
const struct incident *showstream_incident(const struct showstream *s);

/* The next entry of the timeline into *OUT (valid until the next call).
 * Returns 1, 0 past the last one, -1 when the log no longer reads as it did. */
int showstream_next(struct showstream *s, const struct timeline_entry **out);

void showstream_free(struct showstream *s);

/* ---- the set of ids (exported for its unit test) ---- */

/* Ids by a 32-bit tag of their hash and the offset of the record that holds
 * them: about 16 bytes an id. A tag that matches is checked by reading the
 * earlier record back through LOOKUP, so the set is exact. */
struct showstream_ids;
typedef int (*showstream_id_at_fn)(void *ctx, uint64_t offset, char *id, size_t size);
struct showstream_ids *showstream_ids_new(size_t expected, showstream_id_at_fn lookup, void *ctx);
/* Adds ID (its record at OFFSET); 1 when new, 0 when there already, -1 when
 * an earlier record could not be read back. */
int showstream_ids_add(struct showstream_ids *set, const char *id, uint64_t offset);
/* The offset of ID's record into *OFFSET: 1 when found, 0 when not, -1 as above. */
int showstream_ids_find(struct showstream_ids *set, const char *id, uint64_t *offset);
size_t showstream_ids_bytes(const struct showstream_ids *set);
void showstream_ids_free(struct showstream_ids *set);

#endif
