/* people — the team's directory: who "carol" is in each outside system.
 * Read from .warroom/people.json in the platform repo (or the config's
 * "people": an object or a file path), in this shape:
 *   {"people": {"carol": {"name": "Carol Diaz", "slack": "U024BE7LH",
 *                         "email": "carol@example.com", "linear": "<uuid>",
 *                         "pagerduty": "PABC123", "phone": "+493012345678"}}}
 * Every key of a person is optional; an unknown key is an error naming it, so a
 * typo is not a silent miss. Every id is checked against its system's form, so
 * what reaches a request or a mention is an id and nothing else. Names are
 * matched without regard to ASCII case. Someone not in the directory still
 * works everywhere; a sink that needs an id asks people_require, whose message
 * says which id is missing and where to add it. The directory owns its strings. */
#ifndef WARROOM_PEOPLE_H
#define WARROOM_PEOPLE_H

#include <stddef.h>

#define PEOPLE_MAX 5000
#define PEOPLE_FILE_MAX (1024 * 1024)

enum people_system {
    PEOPLE_SLACK,      /* a Slack user id: U or W, then capitals and digits */
    PEOPLE_EMAIL,      /* an address: local@domain, printable ASCII, no spaces */
    PEOPLE_LINEAR,     /* a Linear user id: a UUID */
    PEOPLE_PAGERDUTY,  /* a PagerDuty user id: capitals and digits */
    PEOPLE_PHONE,      /* E.164: + and 8 to 15 digits */
    PEOPLE_SYSTEM_COUNT
};

struct person {
    char *name;                          /* the key: how the incident names them */
    char *display;                       /* "name": a full name for messages; NULL: none */
    char *id[PEOPLE_SYSTEM_COUNT];       /* NULL: not known in that system */
};

struct people {
    char *source;          /* where it came from, for messages; NULL: empty directory */
    struct person *list;   /* sorted by name, case folded */
    size_t n;
};

#define PEOPLE_INIT {NULL, NULL, 0}

/* Parses and validates directory JSON TEXT; SOURCE names it in messages.
 * On failure P is left empty (and still safe to free). */
int people_parse(struct people *p, const char *text, size_t len, const char *source);
void people_free(struct people *p);

/* The person called NAME, or NULL. */
const struct person *people_find(const struct people *p, const char *name);

/* NAME's id in SYSTEM, or NULL when NAME or the id is not in the directory. */
const char *people_id(const struct people *p, const char *name, enum people_system system);

/* NAME's id in SYSTEM into *OUT; when there is none, < 0 with an error saying
 * whose id is missing, in which system, and in which file to add it. */
int people_require(const char **out, const struct people *p, const char *name, enum people_system system);

/* "slack", "email", ...: the key in people.json. */
const char *people_system_name(enum people_system system);

#endif
