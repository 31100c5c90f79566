/* people — the team's directory. Small (a team, not a company), read once per
 * command, looked up per delivery: a sorted array and a binary search. */
#include "warroom/people.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "warroom/buf.h"
#include "warroom/error.h"
#include "warroom/text.h"

#define NAME_MAX_BYTES 64
#define DISPLAY_MAX_BYTES 120

static const char *const system_names[PEOPLE_SYSTEM_COUNT] = {
    [PEOPLE_SLACK] = "slack",   [PEOPLE_EMAIL] = "email", [PEOPLE_LINEAR] = "linear",
    [PEOPLE_PAGERDUTY] = "pagerduty", [PEOPLE_PHONE] = "phone",
};

/* What each system's id looks like, for the message when one does not. */
static const char *const system_forms[PEOPLE_SYSTEM_COUNT] = {
    [PEOPLE_SLACK] = "a Slack user id such as U024BE7LH",
    [PEOPLE_EMAIL] = "an address such as carol@example.com",
    [PEOPLE_LINEAR] = "a Linear user id (a UUID)",
    [PEOPLE_PAGERDUTY] = "a PagerDuty user id such as PABC123",
    [PEOPLE_PHONE] = "a number in E.164 form such as +493012345678",
};

const char *people_system_name(enum people_system system)
{
    return system < PEOPLE_SYSTEM_COUNT ? system_names[system] : "?";
}

static bool all_of(const char *s, size_t from, size_t to, int (*is)(int))
{
    for (size_t i = from; i < to; i++)
        if (!is((unsigned char)s[i]))
            return false;
    return true;
}

static int is_upper_or_digit(int c)
{
    return isdigit(c) || (c >= 'A' && c <= 'Z');
}

static bool valid_uuid(const char *s, size_t n)
{
    static const size_t dash[] = {8, 13, 18, 23};
    if (n != 36)
        return false;
    for (size_t i = 0, d = 0; i < n; i++) {
        if (d < 4 && i == dash[d]) {
            if (s[i] != '-')
                return false;
            d++;
        } else if (!isxdigit((unsigned char)s[i])) {
            return false;
        }
    }
    return true;
}

/* Deliberately narrower than RFC 5321: what goes into RCPT TO and a To:
 * header must hold no space, no control, no quote and nothing a header parser
 * would take for a separator. */
static bool valid_email(const char *s, size_t n)
{
    const char *at = memchr(s, '@', n);
    if (n < 3 || n > 254 || !at || at == s || at == s + n - 1 || memchr(at + 1, '@', n - (size_t)(at + 1 - s)))
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= ' ' || c >= 0x7f || strchr("<>()[]\\,;:\"", c))
            return false;
    }
    for (const char *d = at + 1; d < s + n; d++)
        if (!isalnum((unsigned char)*d) && *d != '.' && *d != '-')
            return false;
    return at[1] != '.' && s[n - 1] != '.';
}

static bool valid_id(enum people_system system, const char *s, size_t n)
{
    switch (system) {
    case PEOPLE_SLACK:
        return n >= 3 && n <= 24 && (s[0] == 'U' || s[0] == 'W') && all_of(s, 1, n, is_upper_or_digit);
    case PEOPLE_EMAIL:
        return valid_email(s, n);
    case PEOPLE_LINEAR:
        return valid_uuid(s, n);
    case PEOPLE_PAGERDUTY:
        return n >= 2 && n <= 24 && all_of(s, 0, n, is_upper_or_digit);
    case PEOPLE_PHONE:
        return n >= 9 && n <= 16 && s[0] == '+' && all_of(s, 1, n, isdigit);
    default:
        return false;
    }
}

/* A string as it may be shown: one clean line, no edge spaces, bounded. */
static int clean_label(char **out, const char *s, size_t n, size_t max, const char *source, const char *what)
{
    struct buf b = BUF_INIT;
    text_clean(&b, s, strnlen(s, n), 0);
    int rc = 0;
    if (b.len == 0 || b.data[0] == ' ' || b.data[b.len - 1] == ' ')
        rc = error_set("%s: %s is empty or starts or ends with a space", source, what);
    else if (b.len > max)
        rc = error_set("%s: %s is longer than %zu bytes", source, what, max);
    else if (b.len != n || memcmp(b.data, s, n))
        rc = error_set("%s: %s holds control characters", source, what);
    else
        *out = strdup(buf_str(&b));
    buf_free(&b);
    return rc;
}

static int compare_people(const void *a, const void *b)
{
    return strcasecmp(((const struct person *)a)->name, ((const struct person *)b)->name);
}

static int parse_person(struct person *who, const char *name, json_t *entry, const char *source)
{
    struct buf what = BUF_INIT;
    int rc = 0;
    buf_printf(&what, "people.%.64s", name);
    if (clean_label(&who->name, name, strlen(name), NAME_MAX_BYTES, source, "a name in people") < 0) {
        rc = -1;
        goto done;
    }
    if (!json_is_object(entry)) {
        rc = error_set("%s: %s must be an object of ids", source, what.data);
        goto done;
    }
    const char *key;
    json_t *v;
    json_object_foreach(entry, key, v)
    {
        if (!json_is_string(v)) {
            rc = error_set("%s: %s.%.40s must be a string", source, what.data, key);
            goto done;
        }
        const char *s = json_string_value(v);
        size_t n = json_string_length(v);
        if (!strcmp(key, "name")) {
            struct buf label = BUF_INIT;
            buf_printf(&label, "%s.name", what.data);
            rc = clean_label(&who->display, s, n, DISPLAY_MAX_BYTES, source, label.data);
            buf_free(&label);
            if (rc < 0)
                goto done;
            continue;
        }
        enum people_system sys = PEOPLE_SYSTEM_COUNT;
        for (int i = 0; i < PEOPLE_SYSTEM_COUNT; i++)
            if (!strcmp(key, system_names[i]))
                sys = (enum people_system)i;
        if (sys == PEOPLE_SYSTEM_COUNT) {
            rc = error_set("%s: %s: unknown key \"%.40s\" (known: name, slack, email, linear, pagerduty, phone)",
                           source, what.data, key);
            goto done;
        }
        if (strlen(s) != n || !valid_id(sys, s, n)) {
            rc = error_set("%s: %s.%s is not %s", source, what.data, key, system_forms[sys]);
            goto done;
        }
        who->id[sys] = strdup(s);
    }
done:
    buf_free(&what);
    return rc;
}

int people_parse(struct people *p, const char *text, size_t len, const char *source)
{
    memset(p, 0, sizeof *p);
    json_error_t jerr;
    int rc = 0;
    if (len > PEOPLE_FILE_MAX)
        return error_set("%s is larger than %d KiB", source, PEOPLE_FILE_MAX / 1024);
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return error_set("%s:%d:%d: %s", source, jerr.line, jerr.column, jerr.text);
    json_t *list = json_object_get(root, "people");
    const char *key;
    json_t *v;
    if (!json_is_object(root) || !json_is_object(list)) {
        rc = error_set("%s: expected {\"people\": {NAME: {...}, ...}}", source);
        goto done;
    }
    json_object_foreach(root, key, v)
    {
        if (strcmp(key, "people")) {
            rc = error_set("%s: unknown key \"%.40s\" (known: people)", source, key);
            goto done;
        }
    }
    if (json_object_size(list) > PEOPLE_MAX) {
        rc = error_set("%s: more than %d people", source, PEOPLE_MAX);
        goto done;
    }
    p->source = strdup(source);
    p->list = calloc(json_object_size(list) + 1, sizeof *p->list);
    json_object_foreach(list, key, v)
    {
        if ((rc = parse_person(&p->list[p->n++], key, v, source)) < 0)
            goto done;
    }
    qsort(p->list, p->n, sizeof *p->list, compare_people);
    for (size_t i = 1; i < p->n; i++)
        if (!strcasecmp(p->list[i - 1].name, p->list[i].name)) {
            rc = error_set("%s: \"%s\" and \"%s\" are the same name", source, p->list[i - 1].name, p->list[i].name);
            goto done;
        }
done:
    json_decref(root);
    if (rc < 0)
        people_free(p);
    return rc;
}

void people_free(struct people *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->list[i].name);
        free(p->list[i].display);
        for (int s = 0; s < PEOPLE_SYSTEM_COUNT; s++)
            free(p->list[i].id[s]);
    }
    free(p->list);
    free(p->source);
    memset(p, 0, sizeof *p);
}

const struct person *people_find(const struct people *p, const char *name)
{
    if (!p || !p->n || !name)
        return NULL;
    struct person key = {.name = (char *)(uintptr_t)name};
    return bsearch(&key, p->list, p->n, sizeof *p->list, compare_people);
}

const char *people_id(const struct people *p, const char *name, enum people_system system)
{
    const struct person *who = people_find(p, name);
    return who && system < PEOPLE_SYSTEM_COUNT ? who->id[system] : NULL;
}

int people_require(const char **out, const struct people *p, const char *name, enum people_system system)
{
    *out = people_id(p, name, system);
    if (*out)
        return 0;
    const char *file = p && p->source ? p->source : ".warroom/people.json";
    if (!people_find(p, name))
        return error_set("%.64s is not in the people directory (%s): add \"%.64s\": {\"%s\": ...}", name ? name : "",
                         file, name ? name : "", people_system_name(system));
    return error_set("%.64s has no %s id in the people directory (%s)", name, people_system_name(system), file);
}
