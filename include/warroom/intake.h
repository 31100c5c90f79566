/* intake — alerts from monitoring, read from the webhook payloads that send
 * them: Prometheus Alertmanager (version "4"), Grafana-managed alerting
 * (version "1") and PagerDuty V3 webhooks. Pure: it reads the bytes it is
 * given and builds the alert events they stand for, nothing else.
 * What it promises: every string is cleaned (text_clean) and bounded, so
 * nothing a sender writes can steer a terminal or outgrow a record; keys the
 * format does not name are ignored (senders add fields without a new
 * version); and every fact has an event id made from what it is (source,
 * fingerprint, status, start), so the same delivery made twice is the same
 * event, which the log's replay counts once. A batch owns all its strings. */
#ifndef WARROOM_INTAKE_H
#define WARROOM_INTAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "warroom/event.h"

#define INTAKE_PAYLOAD_MAX (4 * 1024 * 1024) /* bytes of one payload read */
#define INTAKE_ALERTS_MAX 500                /* alerts taken from one payload */
#define INTAKE_LABELS_MAX 24                 /* labels kept of one alert */
#define INTAKE_ANNOTATIONS_MAX 12            /* annotations kept of one alert */
#define INTAKE_KEY_MAX 64                    /* bytes of a label's name */
#define INTAKE_LABEL_VALUE_MAX 256           /* bytes of a label's value, cut past it */
#define INTAKE_ANNOTATION_VALUE_MAX 1024     /* bytes of an annotation's value, cut past it */
#define INTAKE_NAME_MAX 200                  /* bytes of an alert's name */
#define INTAKE_TEXT_MAX 1024                 /* bytes of its one-line summary */

enum intake_format { INTAKE_DETECT, INTAKE_ALERTMANAGER, INTAKE_GRAFANA, INTAKE_PAGERDUTY };

/* What a fact says: an alert began firing, it was resolved, or (PagerDuty)
 * someone acknowledged it. */
enum intake_status { INTAKE_FIRING, INTAKE_RESOLVED, INTAKE_ACKNOWLEDGED };

struct intake_pair {
    char *key, *value;
};

struct intake_alert {
    enum intake_status status;
    const char *source;        /* "alertmanager", "grafana", "pagerduty" */
    char *name;                /* the alert's name; never empty */
    char *fingerprint;         /* the sender's dedup key; never empty */
    char *service;             /* "" when the alert names none */
    char *severity;            /* the severity label's value; "" when none */
    char *text;                /* one line for people */
    char *by;                  /* PagerDuty's agent for an acknowledgement; "" otherwise */
    int64_t starts_at;         /* when the alert started firing (ms) */
    int64_t ends_at;           /* resolved: when it ended; STAMP_NONE otherwise */
    int64_t acked_at;          /* acknowledged: when; STAMP_NONE otherwise */
    char id[EVENT_ID_MAX + 1]; /* the fact's event id */
    struct intake_pair labels[INTAKE_LABELS_MAX];
    unsigned nlabels;
    struct intake_pair annotations[INTAKE_ANNOTATIONS_MAX];
    unsigned nannotations;
    unsigned cut;              /* values cut short and labels left out, for the message */
};

struct intake_batch {
    enum intake_format format;
    struct intake_alert *alerts;
    size_t nalerts;
    size_t skipped;            /* events that are no alert (PagerDuty's annotated, ...) */
    size_t cut;                /* alerts past INTAKE_ALERTS_MAX, left out */
};

/* Which labels the caller wants read as the service and the severity (the
 * policy's intake section); NULL: "service" and "severity". */
struct intake_labels {
    const char *service, *severity;
};

/* Parses the payload BODY[0..LEN) in FORMAT (INTAKE_DETECT: told by its
 * shape) into OUT. Returns 0, or < 0 with a message saying what is wrong (a
 * payload over INTAKE_PAYLOAD_MAX, not JSON, another version, a field of the
 * wrong type). On failure OUT holds nothing. */
int intake_parse(struct intake_batch *out, const char *body, size_t len, enum intake_format format,
                 const struct intake_labels *labels);
void intake_batch_free(struct intake_batch *b);

/* "alertmanager", "grafana", "pagerduty" (and "detect"), and back: -1 when unknown. */
const char *intake_format_name(enum intake_format f);
int intake_format_from_name(const char *name);
const char *intake_status_name(enum intake_status s);

/* The event id of the fact A stands for (A's id is this): 128 bits of
 * SHA-256 over its source, fingerprint, status and start (an
 * acknowledgement: its time; a resolution: its end too), in hex like every
 * other event id. */
void intake_fact_id(const struct intake_alert *a, char out[EVENT_ID_MAX + 1]);

/* Fills D (initialised here) with A's event: an `alert` event at its start,
 * or for an acknowledgement an `ack` event at its time, under A's id. */
void intake_draft(struct event_draft *d, const struct intake_alert *a);

#endif
