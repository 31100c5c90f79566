/* intake — see include/warroom/intake.h.
 *
 * Payloads are read with jansson and only the keys each format names are
 * looked at, so fields a newer sender adds pass unseen. Every string kept is
 * cleaned and cut to its bound here, before anyone can print it. */
#include "warroom/intake.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/buf.h"
#include "warroom/error.h"
#include "warroom/lazy.h"
#include "warroom/stamp.h"
#include "warroom/text.h"

static const char *const format_names[] = {
    [INTAKE_DETECT] = "detect", [INTAKE_ALERTMANAGER] = "alertmanager",
    [INTAKE_GRAFANA] = "grafana", [INTAKE_PAGERDUTY] = "pagerduty",
};

const char *intake_format_name(enum intake_format f)
{
    return (unsigned)f < sizeof format_names / sizeof *format_names ? format_names[f] : "unknown";
}

int intake_format_from_name(const char *name)
{
    for (size_t i = 0; i < sizeof format_names / sizeof *format_names; i++)
        if (strcmp(format_names[i], name) == 0)
            return (int)i;
    return -1;
}

const char *intake_status_name(enum intake_status s)
{
    return s == INTAKE_RESOLVED ? "resolved" : s == INTAKE_ACKNOWLEDGED ? "acknowledged" : "firing";
}

/* ---- cleaning ---- */

/* S[0..LEN) cleaned to one line and cut to MAX bytes on a character's edge,
 * "…" marking the cut; *CUT counts it. */
static char *clean_cut(const char *s, size_t len, size_t max, unsigned *cut)
{
    struct buf b = BUF_INIT;
    text_clean(&b, s, len, 0);
    if (b.len > max) {
        size_t keep = max - 3;            /* room for the mark */
        while (keep > 0 && ((unsigned char)b.data[keep] & 0xC0) == 0x80)
            keep--;                       /* not inside a character */
        b.len = keep;
        buf_adds(&b, "\xe2\x80\xa6");
        if (cut)
            (*cut)++;
    }
    if (!b.data)
        buf_adds(&b, "");
    return buf_detach(&b);
}

static char *json_clean(json_t *v, size_t max, unsigned *cut)
{
    if (!json_is_string(v))
        return xstrdup("");
    return clean_cut(json_string_value(v), json_string_length(v), max, cut);
}

/* A label's name as a record key: cleaned, '.' (which stands for nesting in
 * a record) written '_'. NULL when nothing usable is left or it is too long. */
static char *clean_key(const char *key)
{
    struct buf b = BUF_INIT;
    text_clean(&b, key, strlen(key), 0);
    for (size_t i = 0; i < b.len; i++)
        if (b.data[i] == '.' || b.data[i] == ' ' || b.data[i] == '"')
            b.data[i] = '_';
    if (b.len == 0 || b.len > INTAKE_KEY_MAX) {
        buf_free(&b);
        return NULL;
    }
    return buf_detach(&b);
}

/* ---- the alert being built ---- */

static void alert_init(struct intake_alert *a, const char *source)
{
    memset(a, 0, sizeof *a);
    a->source = source;
    a->starts_at = a->ends_at = a->acked_at = STAMP_NONE;
}

static void alert_free(struct intake_alert *a)
{
    free(a->name);
    free(a->fingerprint);
    free(a->service);
    free(a->severity);
    free(a->text);
    free(a->by);
    for (unsigned i = 0; i < a->nlabels; i++) {
        free(a->labels[i].key);
        free(a->labels[i].value);
    }
    for (unsigned i = 0; i < a->nannotations; i++) {
        free(a->annotations[i].key);
        free(a->annotations[i].value);
    }
}

void intake_batch_free(struct intake_batch *b)
{
    for (size_t i = 0; i < b->nalerts; i++)
        alert_free(&b->alerts[i]);
    free(b->alerts);
    memset(b, 0, sizeof *b);
}

static int cmp_key(const void *pa, const void *pb)
{
    return strcmp(*(const char *const *)pa, *(const char *const *)pb);
}

/* Copies OBJ's string values into PAIRS (at most MAX, in key order so the
 * record does not depend on the sender's order), each value cut to VALUE_MAX. */
static int take_pairs(struct intake_alert *a, json_t *obj, const char *what, struct intake_pair *pairs,
                      unsigned *n, unsigned max, size_t value_max)
{
    if (!obj || json_is_null(obj))
        return 0;
    if (!json_is_object(obj))
        return error_set("an alert's \"%s\" is not an object", what);
    size_t count = json_object_size(obj), k = 0;
    const char **keys = xmalloc(sizeof *keys * (count ? count : 1));
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
        keys[k++] = key;
    qsort(keys, k, sizeof *keys, cmp_key);
    for (size_t i = 0; i < k; i++) {
        v = json_object_get(obj, keys[i]);
        char *clean = json_is_string(v) ? clean_key(keys[i]) : NULL;
        if (!clean || *n >= max) {
            free(clean);
            a->cut++;                     /* not a string, an unusable name, or one too many */
            continue;
        }
        pairs[*n].key = clean;
        pairs[*n].value = json_clean(v, value_max, &a->cut);
        (*n)++;
    }
    free(keys);
    return 0;
}

static const char *pair_value(const struct intake_pair *pairs, unsigned n, const char *key)
{
    for (unsigned i = 0; i < n; i++)
        if (strcmp(pairs[i].key, key) == 0)
            return pairs[i].value;
    return NULL;
}

/* A time as the senders write it; Go's zero time ("0001-01-01T00:00:00Z",
 * a firing alert's endsAt) and anything unreadable are "none". */
static int64_t parse_time(json_t *v)
{
    int64_t t;
    if (!json_is_string(v) || stamp_parse_iso(&t, json_string_value(v)) < 0)
        return STAMP_NONE;
    if (t < stamp_from_utc(1970, 1, 2, 0, 0, 0))
        return STAMP_NONE;
    return t;
}

/* The fact's id: what it is, hashed. Firing and resolved are two facts, a
 * second firing after a resolution has its own start and so its own id, and
 * the same delivery repeated (Alertmanager's repeat_interval, a retry after
 * a timeout) is the same id. A firing alert's endsAt moves with every
 * repeat, so it is not part of it; a resolution's end is fixed once it is
 * resolved, and is (PagerDuty resolves a reopened incident again under the
 * same start). */
void intake_fact_id(const struct intake_alert *a, char out[EVENT_ID_MAX + 1])
{
    struct buf key = BUF_INIT;
    buf_printf(&key, "%s%c%s%c%s%c%lld", a->source, 0, a->fingerprint, 0, intake_status_name(a->status), 0,
               (long long)(a->status == INTAKE_ACKNOWLEDGED ? a->acked_at : a->starts_at));
    if (a->status == INTAKE_RESOLVED)
        buf_printf(&key, "%c%lld", 0, (long long)a->ends_at);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    EVP_Digest(key.data, key.len, md, &mdlen, EVP_sha256(), NULL);
    static const char hex[] = "0123456789abcdef";
    size_t n = 0;                         /* hex like every other id: show's short ids stay apart */
    for (unsigned i = 0; i < 16 && i < mdlen; i++) {
        out[n++] = hex[md[i] >> 4];
        out[n++] = hex[md[i] & 15];
    }
    out[n] = '\0';
    buf_free(&key);
}

/* What every alert gets once its fields are in: service and severity from
 * the labels, a name, a fingerprint, a line of text, an id. */
static void finish_alert(struct intake_alert *a, const struct intake_labels *labels)
{
    const char *service_label = labels && labels->service ? labels->service : "service";
    const char *severity_label = labels && labels->severity ? labels->severity : "severity";
    const char *v;
    if (!a->service)
        a->service = xstrdup((v = pair_value(a->labels, a->nlabels, service_label)) ? v : "");
    if (!a->severity)
        a->severity = xstrdup((v = pair_value(a->labels, a->nlabels, severity_label)) ? v : "");
    if (!a->name || !*a->name) {
        free(a->name);
        a->name = xstrdup("unnamed alert");
    }
    if (!a->text || !*a->text) {
        free(a->text);
        const char *t = pair_value(a->annotations, a->nannotations, "summary");
        if (!t)
            t = pair_value(a->annotations, a->nannotations, "description");
        a->text = clean_cut(t ? t : a->name, strlen(t ? t : a->name), INTAKE_TEXT_MAX, NULL);
    }
    if (!a->fingerprint || !*a->fingerprint) {
        /* none given: the labels are what identify an alert */
        struct buf b = BUF_INIT;
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned mdlen = 0;
        for (unsigned i = 0; i < a->nlabels; i++)
            buf_printf(&b, "%s=%s%c", a->labels[i].key, a->labels[i].value, 0);
        buf_adds(&b, a->name);
        EVP_Digest(b.data, b.len, md, &mdlen, EVP_sha256(), NULL);
        buf_reset(&b);
        for (unsigned i = 0; i < 8 && i < mdlen; i++)
            buf_printf(&b, "%02x", md[i]);
        free(a->fingerprint);
        a->fingerprint = buf_detach(&b);
    }
    if (!a->by)
        a->by = xstrdup("");
    intake_fact_id(a, a->id);
}

/* ---- Alertmanager and Grafana: the same alert shape ---- */

static int parse_alerts(struct intake_batch *out, json_t *root, const char *source,
                        const struct intake_labels *labels)
{
    json_t *alerts = json_object_get(root, "alerts");
    if (!json_is_array(alerts))
        return error_set("the %s payload has no \"alerts\" list", source);
    size_t n = json_array_size(alerts);
    if (n > INTAKE_ALERTS_MAX) {
        out->cut = n - INTAKE_ALERTS_MAX;
        n = INTAKE_ALERTS_MAX;
    }
    out->alerts = xcalloc(n ? n : 1, sizeof *out->alerts);
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(alerts, i);
        struct intake_alert *a = &out->alerts[out->nalerts];
        if (!json_is_object(o))
            return error_set("alerts[%zu] is not an object", i);
        alert_init(a, source);
        out->nalerts++;
        const char *status = json_string_value(json_object_get(o, "status"));
        if (!status || (strcmp(status, "firing") && strcmp(status, "resolved")))
            return error_set("alerts[%zu].status is not \"firing\" or \"resolved\"", i);
        a->status = strcmp(status, "resolved") == 0 ? INTAKE_RESOLVED : INTAKE_FIRING;
        if (take_pairs(a, json_object_get(o, "labels"), "labels", a->labels, &a->nlabels, INTAKE_LABELS_MAX,
                       INTAKE_LABEL_VALUE_MAX) < 0 ||
            take_pairs(a, json_object_get(o, "annotations"), "annotations", a->annotations, &a->nannotations,
                       INTAKE_ANNOTATIONS_MAX, INTAKE_ANNOTATION_VALUE_MAX) < 0)
            return error_set("alerts[%zu]: %s", i, error_last());
        a->starts_at = parse_time(json_object_get(o, "startsAt"));
        if (a->starts_at == STAMP_NONE)
            return error_set("alerts[%zu].startsAt is not a time", i);
        if (a->status == INTAKE_RESOLVED) {
            a->ends_at = parse_time(json_object_get(o, "endsAt"));
            if (a->ends_at == STAMP_NONE)
                return error_set("alerts[%zu] is resolved but its endsAt is not a time", i);
        }
        /* the name from the alertname label itself, which may have been left out
         * of the kept labels when there were too many */
        json_t *lab = json_object_get(o, "labels");
        a->name = json_clean(json_object_get(lab, "alertname"), INTAKE_NAME_MAX, &a->cut);
        json_t *fp = json_object_get(o, "fingerprint");
        if (json_is_string(fp))
            a->fingerprint = json_clean(fp, 64, &a->cut);
        finish_alert(a, labels);
    }
    return 0;
}

/* ---- PagerDuty V3 ---- */

static char *summary_of(json_t *ref, size_t max)
{
    return json_clean(json_object_get(ref, "summary"), max, NULL);
}

static void add_label(struct intake_alert *a, const char *key, char *value)
{
    if (!*value || a->nlabels >= INTAKE_LABELS_MAX) {
        free(value);
        return;
    }
    a->labels[a->nlabels].key = xstrdup(key);
    a->labels[a->nlabels].value = value;
    a->nlabels++;
}

static int parse_pagerduty(struct intake_batch *out, json_t *root, const struct intake_labels *labels)
{
    json_t *event = json_object_get(root, "event");
    const char *type = json_string_value(json_object_get(event, "event_type"));
    if (!json_is_object(event) || !type)
        return error_set("the PagerDuty payload has no \"event\" with an \"event_type\"");
    out->alerts = xcalloc(1, sizeof *out->alerts);
    enum intake_status status;
    bool reopened = false;
    if (strcmp(type, "incident.triggered") == 0) {
        status = INTAKE_FIRING;
    } else if (strcmp(type, "incident.reopened") == 0) {
        status = INTAKE_FIRING;
        reopened = true;
    } else if (strcmp(type, "incident.resolved") == 0) {
        status = INTAKE_RESOLVED;
    } else if (strcmp(type, "incident.acknowledged") == 0) {
        status = INTAKE_ACKNOWLEDGED;
    } else {
        out->skipped = 1;                 /* a note, a priority, a service change: no alert */
        return 0;
    }
    json_t *data = json_object_get(event, "data");
    if (!json_is_object(data))
        return error_set("the PagerDuty %s event has no \"data\" object", type);
    struct intake_alert *a = &out->alerts[0];
    alert_init(a, "pagerduty");
    out->nalerts = 1;
    a->status = status;
    int64_t occurred = parse_time(json_object_get(event, "occurred_at"));
    int64_t created = parse_time(json_object_get(data, "created_at"));
    if (occurred == STAMP_NONE)
        return error_set("the PagerDuty event's occurred_at is not a time");
    /* the incident's own start; a reopened one starts again when reopened */
    a->starts_at = created != STAMP_NONE ? created : occurred;
    if (reopened) {
        int64_t r = parse_time(json_object_get(data, "reopened_at"));
        a->starts_at = r != STAMP_NONE ? r : occurred;
    }
    if (status == INTAKE_RESOLVED)
        a->ends_at = occurred;
    if (status == INTAKE_ACKNOWLEDGED) {
        a->acked_at = occurred;
        a->by = summary_of(json_object_get(event, "agent"), 64);
    }
    a->name = json_clean(json_object_get(data, "title"), INTAKE_NAME_MAX, &a->cut);
    json_t *key = json_object_get(data, "incident_key");
    a->fingerprint = json_clean(json_is_string(key) ? key : json_object_get(data, "id"), 128, &a->cut);
    /* the service as PagerDuty names it; priority (P1) stands as the severity,
     * else the urgency, so the policy can map either */
    char *service = summary_of(json_object_get(data, "service"), INTAKE_LABEL_VALUE_MAX);
    char *priority = summary_of(json_object_get(data, "priority"), INTAKE_LABEL_VALUE_MAX);
    char *urgency = json_clean(json_object_get(data, "urgency"), INTAKE_LABEL_VALUE_MAX, &a->cut);
    add_label(a, "service", xstrdup(service));
    add_label(a, "priority", xstrdup(priority));
    add_label(a, "urgency", xstrdup(urgency));
    a->service = service;
    a->severity = xstrdup(*priority ? priority : urgency);
    free(priority);
    free(urgency);
    json_t *url = json_object_get(data, "html_url");
    if (json_is_string(url)) {
        a->annotations[0].key = xstrdup("url");
        a->annotations[0].value = json_clean(url, INTAKE_ANNOTATION_VALUE_MAX, &a->cut);
        a->nannotations = 1;
    }
    finish_alert(a, labels);
    return 0;
}

/* ---- the payload ---- */

static enum intake_format detect(json_t *root)
{
    const char *version = json_string_value(json_object_get(root, "version"));
    if (json_is_object(json_object_get(root, "event")))
        return INTAKE_PAGERDUTY;
    if (version && strcmp(version, "1") == 0 &&
        (json_object_get(root, "orgId") || json_object_get(root, "state") || json_object_get(root, "title")))
        return INTAKE_GRAFANA;
    if (version && strcmp(version, "4") == 0)
        return INTAKE_ALERTMANAGER;
    return INTAKE_DETECT;
}

int intake_parse(struct intake_batch *out, const char *body, size_t len, enum intake_format format,
                 const struct intake_labels *labels)
{
    memset(out, 0, sizeof *out);
    if (lazy_load(&lazy_crypto) < 0)      /* the alerts' ids are its hashes: none without it */
        return error_set("cannot read alerts: %s", error_last());
    if (len > INTAKE_PAYLOAD_MAX)
        return error_set("the payload is %zu KiB, over the limit of %d KiB: nothing was read", (len + 1023) / 1024,
                         INTAKE_PAYLOAD_MAX / 1024);
    json_error_t jerr;
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    if (!root)
        return error_set("the payload is not valid JSON (line %d, column %d): %.100s", jerr.line, jerr.column,
                         jerr.text);
    int rc = -1;
    if (!json_is_object(root)) {
        error_set("the payload is not a JSON object");
        goto done;
    }
    enum intake_format found = detect(root);
    if (format == INTAKE_DETECT && found == INTAKE_DETECT) {
        error_set("the payload is none of Alertmanager's (version \"4\"), Grafana's (version \"1\") or "
                  "PagerDuty's V3 webhooks: give --format");
        goto done;
    }
    if (format == INTAKE_DETECT)
        format = found;
    out->format = format;
    const char *version = json_string_value(json_object_get(root, "version"));
    switch (format) {
    case INTAKE_ALERTMANAGER:
        if (!version || strcmp(version, "4") != 0) {
            error_set("the Alertmanager payload has version \"%.20s\", not the \"4\" this reads",
                      version ? version : "");
            goto done;
        }
        rc = parse_alerts(out, root, "alertmanager", labels);
        break;
    case INTAKE_GRAFANA:
        if (!version || strcmp(version, "1") != 0) {
            error_set("the Grafana payload has version \"%.20s\", not the \"1\" this reads", version ? version : "");
            goto done;
        }
        rc = parse_alerts(out, root, "grafana", labels);
        break;
    case INTAKE_PAGERDUTY:
        rc = parse_pagerduty(out, root, labels);
        break;
    default:
        error_set("unknown format");
        break;
    }
done:
    json_decref(root);
    if (rc < 0)
        intake_batch_free(out);
    return rc;
}

/* ---- the event ---- */

void intake_draft(struct event_draft *d, const struct intake_alert *a)
{
    char when[STAMP_TEXT_MAX];
    event_draft_init(d, a->status == INTAKE_ACKNOWLEDGED ? EVENT_ACK : EVENT_ALERT, a->source);
    snprintf(d->id, sizeof d->id, "%s", a->id);
    if (a->status == INTAKE_ACKNOWLEDGED) {
        struct buf text = BUF_INIT;
        buf_printf(&text, "acknowledged in PagerDuty%s%s: %s", *a->by ? " by " : "", a->by, a->name);
        d->at = a->acked_at;
        event_draft_str(d, "name", a->name);
        event_draft_str(d, "source", a->source);
        event_draft_str(d, "fingerprint", a->fingerprint);
        event_draft_str(d, "text", buf_str(&text));
        buf_free(&text);
        return;
    }
    d->at = a->starts_at;
    event_draft_str(d, "name", a->name);
    event_draft_str(d, "status", intake_status_name(a->status));
    event_draft_str(d, "source", a->source);
    event_draft_str(d, "fingerprint", a->fingerprint);
    if (*a->service)
        event_draft_str(d, "service", a->service);
    if (a->ends_at != STAMP_NONE)
        event_draft_str(d, "ends_at", stamp_format_iso_s(when, a->ends_at));
    event_draft_str(d, "text", a->text);
    struct buf key = BUF_INIT;
    for (unsigned i = 0; i < a->nlabels; i++) {
        buf_reset(&key);
        buf_printf(&key, "labels.%s", a->labels[i].key);
        event_draft_str(d, buf_str(&key), a->labels[i].value);
    }
    for (unsigned i = 0; i < a->nannotations; i++) {
        buf_reset(&key);
        buf_printf(&key, "annotations.%s", a->annotations[i].key);
        event_draft_str(d, buf_str(&key), a->annotations[i].value);
    }
    buf_free(&key);
}
