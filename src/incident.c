#include "warroom/incident.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/checkpoint.h"
#include "warroom/error.h"
#include "warroom/stamp.h"

/* ---- a set of event ids (open addressing over positions in events[]) ---- */

/* A slot is eight bytes: its id's 32-bit hash, so a probe past another id
 * costs no visit to that event's memory, and the id's position in events[]
 * plus one (0: empty). At a million events the visits, not the hashing, were
 * the cost of replay: small slots keep more of the table in cache, and a
 * table sized once from what a checkpoint holds (id_set_reserve) is never
 * rehashed while it is restored. */
struct id_slot {
    uint32_t hash;
    uint32_t pos1;
};

struct id_set {
    struct id_slot *slots;
    size_t cap, count;
};

static uint32_t hash_id(const char *s)
{
    uint64_t h = strindex_hash(s);
    return (uint32_t)(h ^ (h >> 32));
}

/* The slot holding ID, or the empty one where it would go. */
static size_t id_slot(const struct id_set *set, struct event *const *events, const char *id, uint32_t h)
{
    size_t mask = set->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        const struct id_slot *s = &set->slots[i];
        if (!s->pos1 || (s->hash == h && strcmp(events[s->pos1 - 1]->id, id) == 0))
            return i;
    }
}

/* Room for COUNT ids in all, at most half full. */
static void id_set_reserve(struct id_set *set, size_t count)
{
    size_t cap = set->cap ? set->cap : 1024;
    while (count * 2 > cap)
        cap *= 2;
    if (cap == set->cap)
        return;
    struct id_set bigger = {xcalloc(cap, sizeof(struct id_slot)), cap, set->count};
    for (size_t i = 0; i < set->cap; i++) {
        if (set->slots[i].pos1) {
            size_t k = set->slots[i].hash & (cap - 1);
            while (bigger.slots[k].pos1)
                k = (k + 1) & (cap - 1);
            bigger.slots[k] = set->slots[i];
        }
    }
    free(set->slots);
    *set = bigger;
}

/* Adds the id of EV, to stand at POS in events[], unless it is there
 * already; returns false for a repeat. */
static bool id_set_add(struct id_set *set, struct event *const *events, const struct event *ev, size_t pos)
{
    if ((set->count + 1) * 2 > set->cap)
        id_set_reserve(set, set->count + 1);
    uint32_t h = hash_id(ev->id);
    size_t k = id_slot(set, events, ev->id, h);
    if (set->slots[k].pos1)
        return false;
    set->slots[k] = (struct id_slot){h, (uint32_t)pos + 1};
    set->count++;
    return true;
}

/* Where the event with ID stands in events[]; (size_t)-1 when it is not there. */
static size_t position_of(const struct incident *inc, const char *id)
{
    if (!inc->ids->cap)
        return (size_t)-1;
    size_t k = id_slot(inc->ids, inc->events, id, hash_id(id));
    return inc->ids->slots[k].pos1 ? inc->ids->slots[k].pos1 - 1 : (size_t)-1;
}

const struct event *incident_find(const struct incident *inc, const char *id)
{
    size_t pos = position_of(inc, id);
    return pos == (size_t)-1 ? NULL : inc->events[pos];
}

/* ---- names ---- */

static const char *const status_names[] = {"none", "investigating", "identified", "monitoring", "resolved",
                                           "reopened"};

const char *incident_status_name(enum incident_status s)
{
    return status_names[s];
}

enum incident_status incident_status_from_state(const char *state)
{
    if (!state)
        return STATUS_NONE;
    for (int s = STATUS_INVESTIGATING; s <= STATUS_RESOLVED; s++)
        if (strcmp(state, status_names[s]) == 0)
            return (enum incident_status)s;
    return STATUS_NONE;
}

static const char *const role_names[ROLE_COUNT] = {"ic", "comms", "ops", "scribe", "sme"};

const char *incident_role_name(enum role_kind role)
{
    return role_names[role];
}

int incident_role_from_name(const char *name)
{
    for (int r = 0; r < ROLE_COUNT; r++)
        if (strcmp(name, role_names[r]) == 0)
            return r;
    return -1;
}

/* ---- replay ---- */

static unsigned long loads, derives;   /* see incident_count_loads */

bool incident_flag_ahead(struct log_reader *r, struct event *ev, int64_t read_clock)
{
    int64_t said = ev->at > ev->ts ? ev->at : ev->ts;
    if (said <= read_clock + STAMP_SKEW_MAX)
        return false;
    /* A wrong clock where it was written (or a crafted line): it stays
     * where it says on the timeline, but it has happened by now, so it
     * counts as of now and cannot hold clocks open or push others along. */
    char when[STAMP_TEXT_MAX], span[32];
    ev->ahead = true;
    ev->seen = read_clock;
    if (r)
        log_reader_warn(r, "line %u: stamped %s, %s ahead of this machine's clock (a wrong clock "
                           "where it was written?); it is shown where it says and counts as of now",
                        ev->line, stamp_format_iso_s(when, said), stamp_format_span(span, sizeof span, said - read_clock));
    return true;
}

/* An event stamped past the clock that reads it: flagged and said so. */
static void check_ahead(struct incident *inc, struct event *ev)
{
    if (incident_flag_ahead(&inc->reader, ev, inc->read_clock))
        inc->nahead++;
}

static void push_event(struct incident *inc, struct event *ev)
{
    if (inc->nevents == inc->events_cap) {
        inc->events_cap = inc->events_cap ? inc->events_cap * 2 : 256;
        inc->events = xrealloc(inc->events, sizeof(struct event *) * inc->events_cap);
    }
    inc->events[inc->nevents++] = ev;
}

static int collect(void *ctx, struct event *ev)
{
    struct incident *inc = ctx;
    struct event *copy = arena_alloc(inc->reader.arena, sizeof *copy);
    *copy = *ev;
    if (!id_set_add(inc->ids, inc->events, copy, inc->nevents))
        return 0;                         /* a repeated id counts once */
    check_ahead(inc, copy);
    push_event(inc, copy);
    return 0;
}

/* What a checkpoint hands out is only gathered: index_restored then does
 * what collect does, for all of them at once. */
static int collect_restored(void *ctx, struct event *ev)
{
    push_event(ctx, ev);                  /* in the reader's arena already */
    return 0;
}

/* collect for the events[] a checkpoint filled, in the same order and with
 * the same result (a repeated id dropped, one stamped ahead flagged), but
 * with every hash known beforehand, so each slot of the id set is fetched
 * while earlier ones are filled instead of one cache miss after another. */
#define ID_PREFETCH 16

static void index_restored(struct incident *inc)
{
    size_t n = inc->nevents, kept = 0;
    struct id_set *set = inc->ids;
    id_set_reserve(set, set->count + n);
    uint32_t *hashes = xmalloc(sizeof *hashes * (n ? n : 1));
    for (size_t i = 0; i < n; i++)
        hashes[i] = hash_id(inc->events[i]->id);
    size_t mask = set->cap - 1;
    for (size_t i = 0; i < n; i++) {
        if (i + ID_PREFETCH < n)
            __builtin_prefetch(&set->slots[hashes[i + ID_PREFETCH] & mask], 1);
        struct event *ev = inc->events[i];
        size_t k = id_slot(set, inc->events, ev->id, hashes[i]);
        if (set->slots[k].pos1)
            continue;                     /* a repeated id counts once */
        set->slots[k] = (struct id_slot){hashes[i], (uint32_t)kept + 1};
        set->count++;
        inc->events[kept++] = ev;
        check_ahead(inc, ev);
    }
    inc->nevents = kept;
    free(hashes);
}

/* The records a checkpoint is about to hand out: events[] and the id set
 * are sized once for them instead of growing as they come. */
static void reserve(void *ctx, size_t records)
{
    struct incident *inc = ctx;
    if (records > UINT32_MAX - 1 || records <= inc->events_cap)
        return;
    inc->events_cap = records;
    inc->events = xrealloc(inc->events, sizeof(struct event *) * inc->events_cap);
}

static bool on_timeline(enum event_type t)
{
    return t != EVENT_EDIT && t != EVENT_DELIVERY && t != EVENT_TORN && t != EVENT_UNKNOWN;
}

/* What each writer says: at, then ts; then the host that wrote it, and
 * entries of one host saying the same time (a clock fixed by WARROOM_NOW)
 * keep the order they were appended in (every host appends the others'
 * events in an order of its own, but each host's own in the order it wrote
 * them); then the id. Every host orders the union alike. */
static int compare_said(const struct timeline_entry *a, const struct timeline_entry *b, int64_t at_a, int64_t at_b)
{
    if (at_a != at_b)
        return at_a < at_b ? -1 : 1;
    if (a->ev->ts != b->ev->ts)
        return a->ev->ts < b->ev->ts ? -1 : 1;
    const char *ha = event_str(a->ev, "host"), *hb = event_str(b->ev, "host");
    int by_host = strcmp(ha ? ha : "", hb ? hb : "");
    if (by_host)
        return by_host;
    if (a->ev->line != b->ev->line)
        return a->ev->line < b->ev->line ? -1 : 1;
    return strcmp(a->ev->id, b->ev->id);
}

static int compare_entries(const void *pa, const void *pb)
{
    const struct timeline_entry *a = pa, *b = pb;
    return compare_said(a, b, a->at, b->at);
}

/* The order state is folded in: by when each entry can have happened. */
static int compare_happened(const void *pa, const void *pb)
{
    const struct timeline_entry *a = pa, *b = pb;
    return compare_said(a, b, a->happened, b->happened);
}


static void reset_derived(struct incident *inc)
{
    free(inc->timeline);
    free(inc->sevs);
    free(inc->roles);
    free(inc->smes);
    free(inc->actions);
    free(inc->updates);
    free(inc->fired);
    free(inc->alert_names);
    free(inc->runbook_marks);
    inc->alert_names = NULL;
    inc->runbook_marks = NULL;
    inc->nalert_names = inc->nrunbook_marks = 0;
    inc->runbook_url = NULL;
    free(inc->reminders);
    inc->reminders = NULL;
    inc->nreminders = 0;
    inc->timeline = NULL;
    inc->timeline_cap = 0;
    inc->sevs = NULL;
    inc->roles = NULL;
    inc->smes = NULL;
    inc->actions = NULL;
    inc->updates = NULL;
    inc->fired = NULL;
    inc->ntimeline = inc->nsevs = inc->nroles = inc->nsmes = inc->nactions = inc->nupdates = inc->nfired = 0;
    strindex_clear(inc->action_index);
    inc->title = inc->impact = inc->declared_by = NULL;
    inc->sev = 0;
    inc->status = STATUS_NONE;
    inc->data_exposed = false;
    inc->drill = false;
    inc->drill_publish = "";
    inc->exposed_at = STAMP_NONE;
    inc->declared_at = inc->impact_at = inc->detected_at = inc->acked_at = inc->mitigated_at = STAMP_NONE;
    inc->first_alert_at = inc->first_impact_at = STAMP_NONE;
    inc->resolved_at = inc->last_update_at = inc->reopened_at = STAMP_NONE;
    for (int r = 0; r < ROLE_COUNT; r++)
        inc->holder[r] = "";
    inc->postmortem = NULL;
    inc->email = NULL;
    inc->emailed_at = STAMP_NONE;
}

/* Grows at each power of two, so N pushes cost O(N) copying in all. */
#define PUSH(arr, n, value)                                                              \
    do {                                                                                 \
        if (((n) & ((n) - 1)) == 0)                                                      \
            (arr) = xrealloc((arr), sizeof(*(arr)) * ((n) < 4 ? 4 : (n) * 2));          \
        (arr)[(n)++] = (value);                                                          \
    } while (0)

static const char *str_or_empty(const struct event *ev, const char *key)
{
    const char *s = event_str(ev, key);
    return s ? s : "";
}

static void set_entry(struct timeline_entry *e, const struct event *ev, size_t pos)
{
    e->ev = ev;
    e->pos = (uint32_t)pos;
    e->at = ev->at;
    e->happened = ev->at;
    e->text = str_or_empty(ev, "text");
    e->edits = 0;
}

/* An entry stamped past the clock that read it counts as of that moment. */
static void settle_happened(struct timeline_entry *e)
{
    e->happened = e->ev->ahead && e->ev->seen < e->at ? e->ev->seen : e->at;
}

static void apply_action(struct incident *inc, const struct event *ev, int64_t at)
{
    const char *item = event_str(ev, "item");
    if (!item || !*item)
        return;
    bool added;
    size_t *pos = strindex_put(inc->action_index, item, inc->nactions, &added);
    if (added) {
        struct action_item fresh = {item, ev, "", "", "", "", "", "open", at};
        PUSH(inc->actions, inc->nactions, fresh);
    }
    struct action_item *a = &inc->actions[*pos];
    /* a later action event with the same item changes only the fields it names */
    const char *v;
    if ((v = event_str(ev, "text")))
        a->text = v;
    if ((v = event_str(ev, "owner")))
        a->owner = v;
    if ((v = event_str(ev, "due")))
        a->due = v;
    if ((v = event_str(ev, "priority")))
        a->priority = v;
    if ((v = event_str(ev, "kind")))
        a->kind = v;
    if ((v = event_str(ev, "status")))
        a->status = v;
}

static void apply_role(struct incident *inc, const struct event *ev, int64_t at)
{
    const char *role = event_str(ev, "role");
    int r = role ? incident_role_from_name(role) : -1;
    if (r < 0)
        return;
    const char *name = str_or_empty(ev, "name");
    bool removing = r == ROLE_SME && name[0] == '-';
    struct role_change change = {(enum role_kind)r, name, at, ev->by};
    PUSH(inc->roles, inc->nroles, change);
    if (r != ROLE_SME) {
        inc->holder[r] = name;
        return;
    }
    const char *who = removing ? name + 1 : name;
    for (size_t i = 0; i < inc->nsmes; i++) {
        if (strcmp(inc->smes[i], who) == 0) {
            if (removing)
                inc->smes[i] = inc->smes[--inc->nsmes];
            return;
        }
    }
    if (!removing && *who)
        PUSH(inc->smes, inc->nsmes, who);
    inc->holder[ROLE_SME] = inc->nsmes ? inc->smes[inc->nsmes - 1] : "";
}

/* The incident's alert names pick its runbook: each distinct name once. */
static void apply_alert_name(struct incident *inc, const struct event *ev)
{
    const char *name = event_str(ev, "name");
    if (!name || !*name)
        return;
    for (size_t i = 0; i < inc->nalert_names; i++)
        if (strcmp(inc->alert_names[i], name) == 0)
            return;
    PUSH(inc->alert_names, inc->nalert_names, name);
}

/* A snooze without a readable `until` is kept out: a clock is quieted only
 * for as long as the record says, never for good by mistake. */
static void apply_reminder(struct incident *inc, const struct event *ev, int64_t at)
{
    const char *clock = event_str(ev, "clock"), *action = event_str(ev, "action"), *until = event_str(ev, "until");
    if (!clock || !*clock || !action)
        return;
    struct reminder r = {clock, false, INT64_MAX, at};
    if (strcmp(action, "dismiss") == 0) {
        r.dismissed = true;
    } else if (strcmp(action, "snooze") != 0 || !until || stamp_parse_iso(&r.until, until) < 0) {
        error_clear();
        return;
    }
    PUSH(inc->reminders, inc->nreminders, r);
}

static void apply(struct incident *inc, const struct timeline_entry *e)
{
    const struct event *ev = e->ev;
    const int64_t at = e->happened;    /* what state counts: see settle_happened */
    long long n;
    switch (ev->type) {
    case EVENT_DECLARE:
        if (inc->declared_at != STAMP_NONE)
            break;                        /* declared once; later ones are kept, not applied */
        inc->declared_at = at;
        inc->declared_by = ev->by;
        inc->title = str_or_empty(ev, "title");
        inc->impact = event_str(ev, "impact");
        inc->status = STATUS_INVESTIGATING;
        inc->data_exposed = event_bool(ev, "data_exposed");
        inc->drill = event_bool(ev, "drill");
        inc->drill_publish = inc->drill ? str_or_empty(ev, "drill_publish") : "";
        if (inc->data_exposed)
            inc->exposed_at = at;
        if (event_int(ev, "sev", &n) && n >= 1 && n <= 9) {
            inc->sev = (int)n;
            struct sev_change c = {(int)n, at, ev->by, NULL};
            PUSH(inc->sevs, inc->nsevs, c);
        }
        break;
    case EVENT_SEV:
        if (event_int(ev, "sev", &n) && n >= 1 && n <= 9) {
            inc->sev = (int)n;
            struct sev_change c = {(int)n, at, ev->by, event_str(ev, "why")};
            PUSH(inc->sevs, inc->nsevs, c);
        }
        if (event_bool(ev, "data_exposed") && !inc->data_exposed) {
            inc->data_exposed = true;
            inc->exposed_at = at;
        }
        break;
    case EVENT_ROLE:
        apply_role(inc, ev, at);
        break;
    case EVENT_ACK:
        if (inc->acked_at == STAMP_NONE)
            inc->acked_at = at;
        break;
    case EVENT_ALERT:
        if (inc->first_alert_at == STAMP_NONE)
            inc->first_alert_at = at;
        apply_alert_name(inc, ev);
        /* the runbook warroom matched, else the one the alert names itself
         * (Alertmanager's runbook_url annotation) */
        if (event_str(ev, "runbook_url") || event_str(ev, "annotations.runbook_url"))
            inc->runbook_url = event_str(ev, "runbook_url") ? event_str(ev, "runbook_url")
                                                             : event_str(ev, "annotations.runbook_url");
        break;
    case EVENT_RUNBOOK:
        PUSH(inc->runbook_marks, inc->nrunbook_marks, ev);
        if (event_str(ev, "url"))
            inc->runbook_url = event_str(ev, "url");
        break;
    case EVENT_IMPACT:
        if (inc->first_impact_at == STAMP_NONE)
            inc->first_impact_at = at;
        break;
    case EVENT_UPDATE: {
        enum incident_status s = incident_status_from_state(event_str(ev, "state"));
        PUSH(inc->updates, inc->nupdates, ev);
        inc->last_update_at = at;
        if (s != STATUS_NONE)
            inc->status = s;
        if (s == STATUS_RESOLVED && inc->resolved_at == STAMP_NONE)
            inc->resolved_at = at;
        break;
    }
    case EVENT_ESCALATE: {
        const char *rule = event_str(ev, "rule");
        if (rule)
            PUSH(inc->fired, inc->nfired, rule);
        break;
    }
    case EVENT_MITIGATE:
        if (inc->mitigated_at == STAMP_NONE)
            inc->mitigated_at = at;
        break;
    case EVENT_RESOLVE:
        inc->status = STATUS_RESOLVED;
        inc->resolved_at = at;
        if (inc->mitigated_at == STAMP_NONE)
            inc->mitigated_at = at;    /* resolved implies the impact was stopped */
        break;
    case EVENT_REOPEN:
        inc->status = STATUS_REOPENED;
        inc->reopened_at = at;
        inc->resolved_at = STAMP_NONE;
        inc->last_update_at = at;
        break;
    case EVENT_ACTION:
        apply_action(inc, ev, at);
        break;
    case EVENT_POSTMORTEM:
        inc->postmortem = ev;
        break;
    case EVENT_EMAIL: {
        inc->email = ev;
        const char *status = event_str(ev, "status");
        if (status && strcmp(status, "sent") == 0 && inc->emailed_at == STAMP_NONE)
            inc->emailed_at = at;
        break;
    }
    case EVENT_REMINDER:
        apply_reminder(inc, ev, at);
        break;
    default:
        break;
    }
}

/* The figures that fall back on the declaration: impact began at the
 * declaration unless an earlier moment was marked; detection is the first
 * alert, else the declaration. */
static void finish(struct incident *inc)
{
    inc->impact_at = inc->first_impact_at;
    if (inc->declared_at != STAMP_NONE && (inc->impact_at == STAMP_NONE || inc->impact_at > inc->declared_at))
        inc->impact_at = inc->declared_at;
    inc->detected_at = inc->first_alert_at != STAMP_NONE ? inc->first_alert_at : inc->declared_at;
}

/* True when an edit already read names ID (its target arrived after it). */
static bool edit_targets(const struct incident *inc, const char *id)
{
    return strindex_find(inc->edit_index, id) != NULL;
}

/* Edits apply in the order they were recorded: ts, then as appended (lines
 * are unique, so the order is total and the sort need not be stable). */
static int compare_recorded(const void *pa, const void *pb)
{
    const struct event *a = *(const struct event *const *)pa, *b = *(const struct event *const *)pb;
    if (a->ts != b->ts)
        return a->ts < b->ts ? -1 : 1;
    return a->line < b->line ? -1 : a->line > b->line;
}

/* The edit recorded last (ts, then as appended): the one a new edit must
 * come after to be applied last. */
static const struct event *newest_edit(const struct incident *inc)
{
    const struct event *newest = inc->edits[0];
    for (size_t i = 1; i < inc->nedits; i++)
        if (compare_recorded(&inc->edits[i], &newest) > 0)
            newest = inc->edits[i];
    return newest;
}

/* Replays every event: edits first (they change what and when), then the
 * ordered timeline, folded into state. */
/* Sorts the N entries of TL by CMP. A log is appended nearly in order: a
 * pass that finds it in order is the whole cost, and otherwise the entries
 * out of place (back-dated ones) are set aside, sorted alone and merged back
 * into the run the others form, instead of sorting a million entries (and
 * allocating a copy of them) for a tenth of them. CMP is a total order, so
 * the result is the one any sort gives. */
static void sort_timeline(struct timeline_entry *tl, size_t n, int (*cmp)(const void *, const void *))
{
    size_t first = 1;
    while (first < n && cmp(&tl[first - 1], &tl[first]) <= 0)
        first++;
    if (first >= n)
        return;
    struct timeline_entry *aside = NULL;
    size_t kept = first, naside = 0, aside_cap = 0;
    for (size_t i = first; i < n; i++) {
        if (cmp(&tl[kept - 1], &tl[i]) <= 0) {
            tl[kept++] = tl[i];
            continue;
        }
        if (naside == aside_cap) {
            aside_cap = aside_cap ? aside_cap * 2 : 1024;
            aside = xrealloc(aside, sizeof *aside * aside_cap);
        }
        aside[naside++] = tl[i];
    }
    qsort(aside, naside, sizeof *aside, cmp);
    /* from the back, so the run moves up in place */
    size_t i = kept, j = naside, w = n;
    while (j > 0) {
        if (i > 0 && cmp(&tl[i - 1], &aside[j - 1]) > 0)
            tl[--w] = tl[--i];
        else
            tl[--w] = aside[--j];
    }
    free(aside);
}

static void derive(struct incident *inc)
{
    derives++;
    reset_derived(inc);
    inc->timeline_cap = inc->nevents ? inc->nevents : 1;
    inc->timeline = xmalloc(sizeof(struct timeline_entry) * inc->timeline_cap);
    /* index of each event's timeline entry, by position in events[] */
    size_t *slot_of = xmalloc(sizeof(size_t) * (inc->nevents ? inc->nevents : 1));
    for (size_t i = 0; i < inc->nevents; i++) {
        const struct event *ev = inc->events[i];
        slot_of[i] = (size_t)-1;
        if (!on_timeline(ev->type))
            continue;
        slot_of[i] = inc->ntimeline;
        set_entry(&inc->timeline[inc->ntimeline++], ev, i);
    }
    /* edits apply in the order they were recorded (ts, then as appended) */
    const struct event **edits = NULL;
    size_t nedits = 0;
    for (size_t i = 0; i < inc->nevents; i++)
        if (inc->events[i]->type == EVENT_EDIT)
            PUSH(edits, nedits, inc->events[i]);
    free(inc->edits);
    inc->edits = edits;                   /* kept in the order recorded; PUSH grows it */
    inc->nedits = nedits;
    edits = nedits ? xmalloc(sizeof(*edits) * nedits) : NULL;
    if (nedits)
        memcpy(edits, inc->edits, sizeof(*edits) * nedits);
    strindex_clear(inc->edit_index);
    for (size_t k = 0; k < nedits; k++) {
        const char *target = event_str(edits[k], "target");
        bool added;
        if (target)
            ++*strindex_put(inc->edit_index, target, 0, &added);
    }
    if (nedits > 1)
        qsort(edits, nedits, sizeof *edits, compare_recorded);
    for (size_t k = 0; k < nedits; k++) {
        const char *target = event_str(edits[k], "target");
        size_t i = target ? position_of(inc, target) : (size_t)-1;
        if (i == (size_t)-1 || !on_timeline(inc->events[i]->type))
            continue;
        struct timeline_entry *e = &inc->timeline[slot_of[i]];
        const char *text = event_str(edits[k], "set.text"), *at = event_str(edits[k], "set.at");
        int64_t when;
        if (text)
            e->text = text;
        if (at && stamp_parse_iso(&when, at) == 0)
            e->at = when;
        e->edits++;
    }
    free(edits);
    free(slot_of);
    for (size_t i = 0; i < inc->ntimeline; i++)
        settle_happened(&inc->timeline[i]);
    sort_timeline(inc->timeline, inc->ntimeline, inc->nahead ? compare_happened : compare_entries);
    for (size_t i = 0; i < inc->ntimeline; i++)
        apply(inc, &inc->timeline[i]);
    if (inc->nahead)                      /* shown where each writer says */
        sort_timeline(inc->timeline, inc->ntimeline, compare_entries);
    finish(inc);
    /* where each event stands on the timeline now, for edits that arrive
     * later; and the newest edit, which a later one must not precede */
    free(inc->slot_of);
    inc->slot_cap = inc->nevents ? inc->nevents : 1;
    inc->slot_of = xmalloc(sizeof(size_t) * inc->slot_cap);
    for (size_t i = 0; i < inc->nevents; i++)
        inc->slot_of[i] = (size_t)-1;
    for (size_t j = 0; j < inc->ntimeline; j++)
        inc->slot_of[inc->timeline[j].pos] = j;
    inc->last_edit = inc->nedits ? newest_edit(inc) : NULL;
}

/* An edit arriving while following changes one entry's text in place when
 * nothing else moves: it corrects only the text (a new time moves the entry),
 * it was recorded after every other edit (so it is applied last, as a full
 * replay would), and its target is on the timeline or not read yet. */
static bool edit_folds(const struct incident *inc, const struct event *edit)
{
    if (event_str(edit, "set.at") || !event_str(edit, "target"))
        return false;
    if (inc->last_edit && compare_recorded(&edit, &inc->last_edit) < 0)
        return false;
    return true;
}

static void fold_edit(struct incident *inc, const struct event *edit)
{
    const char *target = event_str(edit, "target");
    bool added;
    ++*strindex_put(inc->edit_index, target, 0, &added);
    PUSH(inc->edits, inc->nedits, edit);
    inc->last_edit = edit;
    size_t i = position_of(inc, target);
    if (i == (size_t)-1 || i >= inc->slot_cap || inc->slot_of[i] == (size_t)-1)
        return;                           /* its target comes later, or is not shown */
    struct timeline_entry *e = &inc->timeline[inc->slot_of[i]];
    const char *text = event_str(edit, "set.text");
    if (text)
        e->text = text;
    e->edits++;
}

/* The common case while following: new events that land after everything
 * else and edit nothing. They are folded in without replaying the rest, so a
 * 100,000-event incident takes a new note as fast as a small one. Returns
 * false when a full replay is needed. */
static bool derive_appended(struct incident *inc, size_t first_new)
{
    for (size_t i = first_new; i < inc->nevents; i++) {
        const struct event *ev = inc->events[i];
        if (inc->nahead || edit_targets(inc, ev->id))
            return false;
        if (ev->type == EVENT_EDIT) {
            if (!edit_folds(inc, ev))
                return false;
            /* a later edit in the same batch may name an event of it: only
             * targets already read fold */
            const char *target = event_str(ev, "target");
            size_t at = position_of(inc, target);
            if (at != (size_t)-1 && at >= first_new)
                return false;
            continue;
        }
        if (!on_timeline(ev->type))
            continue;
        if (inc->ntimeline) {
            struct timeline_entry probe = {.ev = ev, .at = ev->at, .happened = ev->at, .text = ""};
            if (compare_entries(&inc->timeline[inc->ntimeline - 1], &probe) > 0)
                return false;             /* back-dated: it goes in the middle */
        }
    }
    if (inc->slot_cap < inc->nevents) {
        inc->slot_cap = inc->nevents * 2;
        inc->slot_of = xrealloc(inc->slot_of, sizeof(size_t) * inc->slot_cap);
    }
    for (size_t i = first_new; i < inc->nevents; i++) {
        const struct event *ev = inc->events[i];
        inc->slot_of[i] = (size_t)-1;
        if (ev->type == EVENT_EDIT) {
            fold_edit(inc, ev);
            continue;
        }
        if (!on_timeline(ev->type))
            continue;
        inc->slot_of[i] = inc->ntimeline;
        if (inc->ntimeline == inc->timeline_cap) {   /* doubling: a note costs the same at 1M */
            inc->timeline_cap = inc->timeline_cap ? inc->timeline_cap * 2 : 256;
            inc->timeline = xrealloc(inc->timeline, sizeof(struct timeline_entry) * inc->timeline_cap);
        }
        struct timeline_entry *e = &inc->timeline[inc->ntimeline++];
        set_entry(e, ev, i);
        apply(inc, e);
    }
    finish(inc);
    return true;
}

unsigned long incident_count_loads(void)
{
    return loads;
}

unsigned long incident_count_derives(void)
{
    return derives;
}

/* An incident with nothing read yet, its indexes empty. */
static struct incident *incident_new(const char *id, const char *log_path)
{
    struct incident *inc = xcalloc(1, sizeof *inc);
    inc->ids = xcalloc(1, sizeof(struct id_set));
    inc->action_index = xcalloc(1, sizeof *inc->action_index);
    inc->edit_index = xcalloc(1, sizeof *inc->edit_index);
    inc->id = xstrdup(id);
    inc->log_path = xstrdup(log_path);
    return inc;
}

/* Reads the log into a new incident: from the end of CHECKPOINT (NULL: none)
 * on, when that matches the log, else from its start. Returns 1 when the
 * checkpoint proved bad part-way: the caller reads again without it. */
static int load_events(struct incident **out, const char *id, const char *log_path, const char *checkpoint,
                       size_t *restored)
{
    struct incident *inc = incident_new(id, log_path);
    inc->reader.fd = -1;
    inc->read_clock = stamp_now();
    *out = NULL;
    *restored = 0;
    int rc = log_reader_open(&inc->reader, log_path);
    if (rc == 0 && checkpoint) {
        int got = checkpoint_restore(checkpoint, &inc->reader, collect_restored, reserve, inc, restored);
        if (got < 0)
            rc = 1;
        else if (got > 0)
            index_restored(inc);
    }
    if (rc == 0)
        rc = log_read(&inc->reader, LOG_REPLAY, collect, inc);
    /* a torn record retiring what the checkpoint held: read it all again */
    if (rc == 0 && *restored && inc->reader.retracted)
        rc = 1;
    if (rc != 0) {
        incident_free(inc);
        return rc;
    }
    *out = inc;
    return 0;
}

int incident_load(struct incident **out, const char *id, const char *log_path)
{
    loads++;
    char *checkpoint = checkpoint_path(log_path);
    size_t restored;
    int rc = load_events(out, id, log_path, checkpoint, &restored);
    if (rc > 0)
        rc = load_events(out, id, log_path, NULL, &restored);
    if (rc == 0) {
        derive(*out);
        /* many records parsed from the log: keep them for the next load */
        if (checkpoint && (*out)->nevents >= restored + CHECKPOINT_MIN_RECORDS)
            checkpoint_write(checkpoint, &(*out)->reader, (*out)->events, (*out)->nevents, restored);
    }
    free(checkpoint);
    return rc < 0 ? -1 : 0;
}

int incident_from_events(struct incident **out, const char *id, const char *log_path, struct log_reader *reader,
                         struct event **events, size_t n, int64_t read_clock)
{
    loads++;                              /* its caller read the log from its start */
    struct incident *inc = incident_new(id, log_path);
    inc->reader = *reader;
    memset(reader, 0, sizeof *reader);
    reader->fd = -1;
    inc->read_clock = read_clock;
    inc->events_cap = n ? n : 1;
    inc->events = xmalloc(sizeof(struct event *) * inc->events_cap);
    for (size_t i = 0; i < n; i++) {
        if (!id_set_add(inc->ids, inc->events, events[i], inc->nevents))
            continue;
        inc->nahead += events[i]->ahead;
        inc->events[inc->nevents++] = events[i];
    }
    derive(inc);
    *out = inc;
    return 0;
}

/* A torn record retired events already replayed: start again from the log. */
static int reload(struct incident *inc)
{
    struct incident *fresh;
    if (incident_load(&fresh, inc->id, inc->log_path) < 0)
        return -1;
    struct incident old = *inc;
    *inc = *fresh;
    *fresh = old;
    incident_free(fresh);
    return 0;
}

int incident_follow(struct incident *inc, bool *changed)
{
    size_t before = inc->nevents;
    size_t warnings = inc->reader.nwarnings;
    inc->read_clock = stamp_now();
    if (log_read(&inc->reader, LOG_FOLLOW, collect, inc) < 0)
        return -1;
    if (inc->reader.retracted) {
        *changed = true;
        return reload(inc);
    }
    *changed = inc->nevents != before || inc->reader.nwarnings != warnings;
    if (inc->nevents != before && !derive_appended(inc, before))
        derive(inc);
    return 0;
}

void incident_free(struct incident *inc)
{
    if (!inc)
        return;
    reset_derived(inc);
    log_reader_close(&inc->reader);
    free(inc->events);
    free(inc->edits);
    free(inc->slot_of);
    if (inc->ids)
        free(inc->ids->slots);
    free(inc->ids);
    if (inc->edit_index)
        strindex_clear(inc->edit_index);
    free(inc->edit_index);
    free(inc->action_index);
    free(inc->id);
    free(inc->log_path);
    free(inc);
}

const struct action_item *incident_action(const struct incident *inc, const char *item)
{
    const size_t *pos = strindex_find(inc->action_index, item);
    return pos ? &inc->actions[*pos] : NULL;
}

/* Ids we make are A1 to A<ACTION_ITEM_MAX>; an item named past that (a crafted
 * "A9223372036854775807") is not one of ours and does not move the count. */
#define ACTION_ITEM_MAX 999999999L

void incident_next_action_id(const struct incident *inc, char *out, size_t size)
{
    long max = 0;
    for (size_t i = 0; i < inc->nactions; i++) {
        const char *s = inc->actions[i].item;
        if (s[0] != 'A')
            continue;
        long v = 0;
        const char *p = s + 1;
        while (*p >= '0' && *p <= '9' && v <= ACTION_ITEM_MAX)
            v = v * 10 + (*p++ - '0');
        if (p > s + 1 && !*p && v < ACTION_ITEM_MAX && v > max)
            max = v;
    }
    snprintf(out, size, "A%ld", max + 1);
}

bool incident_is_open(const struct incident *inc)
{
    return inc->declared_at != STAMP_NONE && inc->status != STATUS_RESOLVED;
}
