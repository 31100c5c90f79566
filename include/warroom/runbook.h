/* runbook — the team's runbooks: what to check, what to do and how to come
 * back, one file per alert family under runbooks/ in the platform repo.
 * A YAML runbook (the team guide's format: metadata, diagnosis, mitigation,
 * recovery) is read with libyaml into a struct runbook whose every string is
 * cleaned (text_clean) and bounded, so it can go to a terminal or a sink as
 * it is; a Markdown runbook is kept as its cleaned text. A file that does not
 * parse is reported with its line and column and left out; the others load.
 * Everything returned is owned by the set (or the runbook) it came from and
 * lives until runbook_set_free / runbook_free. Returns < 0 with a message;
 * never prints. */
#ifndef WARROOM_RUNBOOK_H
#define WARROOM_RUNBOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "warroom/buf.h"
#include "warroom/incident.h"

#define RUNBOOK_DIR "runbooks"
#define RUNBOOK_FILE_MAX (256 * 1024) /* bytes of one runbook file */
#define RUNBOOK_TEXT_MAX 2048         /* bytes of one field once cleaned; longer is cut, marked "…" */
#define RUNBOOK_DEPTH_MAX 8           /* nesting of mappings and sequences */
#define RUNBOOK_NODES_MAX 4096        /* scalars, mappings and sequences in one file */
#define RUNBOOK_STEPS_MAX 64          /* steps of one section */
#define RUNBOOK_NAMES_MAX 32          /* alert names of one runbook */
#define RUNBOOK_FILES_MAX 256         /* runbooks read from one directory */
#define RUNBOOK_ALERT_NAME_MAX 200    /* bytes of an alert's name */

enum runbook_section { RUNBOOK_DIAGNOSIS, RUNBOOK_MITIGATION, RUNBOOK_RECOVERY, RUNBOOK_SECTION_COUNT };

/* "diagnosis", "mitigation", "recovery"; and back (-1 when none). */
const char *runbook_section_name(enum runbook_section s);
int runbook_section_from_name(const char *name);

/* One thing to do. Absent fields are NULL. */
struct runbook_step {
    enum runbook_section section;
    unsigned number;          /* 1-based, within its section */
    char *title;              /* diagnosis: step; mitigation: option; recovery: the item */
    char *command;            /* shown and copied, never run */
    char *expected;           /* diagnosis */
    char *when;               /* mitigation: when to take this option */
    char *verify;             /* mitigation */
};

struct runbook {
    char *path;               /* "runbooks/order-service-high-error-rate.yml" */
    bool markdown;            /* then only path, title and text are set */
    char *text;               /* markdown: the whole file, cleaned, newlines kept */
    char *title, *service, *severity, *owner, *impact, *url;
    char **alert_names;
    size_t nalert_names;
    struct runbook_step *steps; /* diagnosis, then mitigation, then recovery */
    size_t nsteps;
    double revenue_per_minute;  /* < 0 when the runbook gives no rate */
    char currency[8];           /* "$" unless the runbook says otherwise */
    bool rate_from_text;        /* read from the impact text, not a number of its own */
};

/* Parses a YAML runbook TEXT[0..LEN) named PATH (as messages name it). A
 * malformed file fails with "PATH:LINE:COLUMN: what". Aliases are refused
 * (they make a small file stand for a huge one), so is nesting deeper than
 * RUNBOOK_DEPTH_MAX; unknown keys are ignored. */
int runbook_parse_yaml(struct runbook **out, const char *text, size_t len, const char *path);
/* A Markdown runbook: its cleaned text; its title is the first "# " line. */
int runbook_parse_markdown(struct runbook **out, const char *text, size_t len, const char *path);
void runbook_free(struct runbook *rb);

/* Finds a rate per minute in free text such as "Revenue impact ~$2,400/min at
 * peak" ("$1.2k/min", "€300 per minute", "$60,000/hour"). */
bool runbook_rate_from_text(const char *text, double *per_minute, char currency[8]);

/* The runbook's link: metadata.url when it is http(s), else BASE_URL (the
 * config's runbook_base_url, may be NULL) joined with its path. NULL when
 * there is neither; the caller frees it. */
char *runbook_link(const struct runbook *rb, const char *base_url);

/* The runbooks of one platform repository. */
struct runbook_set {
    struct runbook **books;
    size_t n;
    char **problems;          /* one line per file left out: "runbooks/x.yml:3:5: ..." */
    size_t nproblems;
    char source[64];          /* "the working tree" or "main" (the branch read) */
};

/* Reads RUNBOOK_DIR of the repository at REPO_PATH (NULL: the one around the
 * working directory, as the policy is found): *.yml, *.yaml and *.md but
 * post-mortem-template.md, from the working tree when it has the directory,
 * else from the commit HEAD names (so a bare repository works). No
 * repository, or no directory: an empty set, not an error (unless REPO_PATH
 * names one that cannot be opened). Files in name order. */
int runbook_set_load(struct runbook_set *set, const char *repo_path);
void runbook_set_free(struct runbook_set *set);

/* The runbook for the incident's alert names (the first runbook, in name
 * order, listing the earliest name that one lists), or NULL. */
const struct runbook *runbook_set_match(const struct runbook_set *set, const char *const *names, size_t n);
/* The runbook NAME names: an alert name it lists, its file name with or
 * without the extension, or its path. NULL when none. */
const struct runbook *runbook_set_find(const struct runbook_set *set, const char *name);

/* An alert event NAME being recorded: its name, and when a runbook of the
 * repository at REPO_PATH lists it, that runbook's path and link (fields
 * `runbook`, `runbook_url`), so the sinks can link the runbook. The alert is
 * recorded whatever becomes of the runbooks: nothing here fails. */
struct event_draft;
void runbook_draft_alert(struct event_draft *d, const char *name, const char *repo_path, const char *base_url);

/* The running revenue estimate: RB's rate times the minutes of impact, from
 * the start of impact to mitigation (NOW while not mitigated). False when RB
 * has no rate or impact has not begun. */
bool runbook_estimate(const struct runbook *rb, const struct incident *inc, int64_t now, double *amount,
                      int64_t *minutes);
/* "~$124,800" (whole units, thousands grouped), appended to OUT. */
void runbook_format_money(struct buf *out, const char *currency, double amount);

/* The postmortem's revenue impact: when a runbook of the repository at
 * REPO_PATH (NULL: the one around) answers INC's alerts and gives a rate, sets
 * CTX's "revenue" to {estimate: "~$108,000", text: "~$108,000 (estimate: 45
 * min of impact at ~$2,400/min, the peak rate in runbooks/x.yml)", runbook:
 * path}; otherwise leaves it null, so the template asks for the figure. */
struct json_t;
void runbook_postmortem_context(struct json_t *ctx, const struct incident *inc, const char *repo_path,
                                int64_t now);

/* Prints RB for a reader: its metadata, then each section numbered, marking
 * the steps INC (may be NULL) recorded as done. */
void runbook_describe(struct buf *out, const struct runbook *rb, const struct incident *inc);
/* The runbook event of INC that marked STEP of RB done, the last one; NULL. */
const struct event *runbook_step_done(const struct incident *inc, const struct runbook *rb,
                                      const struct runbook_step *step);

#endif
