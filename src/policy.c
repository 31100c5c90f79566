#include "warroom/policy.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/builtin.h"
#include "warroom/buf.h"
#include "warroom/error.h"
#include "warroom/stamp.h"
#include "warroom/text.h"

#define POLICY_TEXT_MAX (1024 * 1024)
#define POLICY_STRING_MAX 200

struct checker {
    const char *source;
    struct buf where;  /* "severities[2].ack_within" */
};

static int bad(struct checker *c, const char *expected, json_t *got)
{
    const char *kind = !got ? "nothing" : json_is_string(got) ? "a string" : json_is_integer(got) ? "a number"
                     : json_is_real(got) ? "a number" : json_is_boolean(got) ? "true/false" : json_is_null(got) ? "null"
                     : json_is_array(got) ? "a list" : "an object";
    return error_set("%s: %s: expected %s, got %s", c->source, buf_str(&c->where), expected, kind);
}

static void at_key(struct checker *c, size_t keep, const char *key)
{
    c->where.len = keep;
    if (c->where.data)
        c->where.data[keep] = '\0';
    buf_printf(&c->where, "%s%s", keep ? "." : "", key);
}

/* A string field: required or not, bounded, cleaned. */
static int get_string(struct checker *c, json_t *obj, const char *key, bool required, char **out)
{
    size_t keep = c->where.len;
    at_key(c, keep, key);
    json_t *v = json_object_get(obj, key);
    int rc = 0;
    *out = NULL;
    if (!v || json_is_null(v)) {
        if (required)
            rc = bad(c, "a string", v);
    } else if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > POLICY_STRING_MAX) {
        rc = bad(c, "a non-empty string of at most 200 characters", v);
    } else {
        struct buf b = BUF_INIT;
        text_clean(&b, json_string_value(v), json_string_length(v), 0);
        *out = buf_detach(&b);
    }
    c->where.len = keep;
    c->where.data[keep] = '\0';
    return rc;
}

static int get_duration(struct checker *c, json_t *obj, const char *key, int64_t *out)
{
    size_t keep = c->where.len;
    at_key(c, keep, key);
    json_t *v = json_object_get(obj, key);
    int rc = 0;
    *out = 0;
    if (v && !json_is_null(v)) {
        if (!json_is_string(v) || stamp_parse_duration(out, json_string_value(v)) < 0)
            rc = bad(c, "a duration like \"15m\", \"1h\" or \"48h\", or null", v);
    }
    c->where.len = keep;
    c->where.data[keep] = '\0';
    return rc;
}

static int check_keys(struct checker *c, json_t *obj, const char *const *allowed)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        bool known = false;
        for (const char *const *a = allowed; *a; a++)
            known |= strcmp(*a, key) == 0;
        if (!known)
            return error_set("%s: %s: unknown key \"%.60s\" (known: see docs/policy.json)", c->source,
                             c->where.len ? buf_str(&c->where) : "top level", key);
    }
    return 0;
}

static bool one_of(const char *s, const char *const *options)
{
    for (; *options; options++)
        if (strcmp(s, *options) == 0)
            return true;
    return false;
}

static int parse_level(struct checker *c, json_t *o, struct severity_level *l, size_t index)
{
    static const char *const keys[] = {"level", "name", "label", "description", "ack_within", "update_every",
                                       "mitigate_within", "postmortem_due", "customer_email_due",
                                       "pagerduty_severity", "statuspage_impact", "opsgenie_priority", NULL};
    static const char *const pd[] = {"critical", "error", "warning", "info", NULL};
    static const char *const sp[] = {"critical", "major", "minor", "none", NULL};
    if (!json_is_object(o))
        return bad(c, "an object", o);
    if (check_keys(c, o, keys) < 0)
        return -1;
    size_t keep = c->where.len;
    json_t *lv = json_object_get(o, "level");
    at_key(c, keep, "level");
    if (!json_is_integer(lv) || json_integer_value(lv) != (json_int_t)index + 1)
        return error_set("%s: %s: expected %zu (levels are listed from 1, most severe first)", c->source,
                         buf_str(&c->where), index + 1);
    c->where.len = keep;
    c->where.data[keep] = '\0';
    l->level = (int)index + 1;
    if (get_string(c, o, "name", true, &l->name) < 0 || get_string(c, o, "label", false, &l->label) < 0 ||
        get_string(c, o, "description", false, &l->description) < 0 ||
        get_duration(c, o, "ack_within", &l->ack_within) < 0 ||
        get_duration(c, o, "update_every", &l->update_every) < 0 ||
        get_duration(c, o, "mitigate_within", &l->mitigate_within) < 0 ||
        get_duration(c, o, "postmortem_due", &l->postmortem_due) < 0 ||
        get_duration(c, o, "customer_email_due", &l->customer_email_due) < 0 ||
        get_string(c, o, "pagerduty_severity", false, &l->pagerduty_severity) < 0 ||
        get_string(c, o, "statuspage_impact", false, &l->statuspage_impact) < 0 ||
        get_string(c, o, "opsgenie_priority", false, &l->opsgenie_priority) < 0)
        return -1;
    if (l->pagerduty_severity && !one_of(l->pagerduty_severity, pd)) {
        at_key(c, keep, "pagerduty_severity");
        return error_set("%s: %s: expected critical, error, warning or info", c->source, buf_str(&c->where));
    }
    if (l->statuspage_impact && !one_of(l->statuspage_impact, sp)) {
        at_key(c, keep, "statuspage_impact");
        return error_set("%s: %s: expected critical, major, minor or none", c->source, buf_str(&c->where));
    }
    static const char *const og[] = {"P1", "P2", "P3", "P4", "P5", NULL};
    if (l->opsgenie_priority && !one_of(l->opsgenie_priority, og)) {
        at_key(c, keep, "opsgenie_priority");
        return error_set("%s: %s: expected P1, P2, P3, P4 or P5", c->source, buf_str(&c->where));
    }
    return 0;
}

static int parse_rule(struct checker *c, json_t *o, struct escalation_rule *r, size_t nlevels)
{
    static const char *const keys[] = {"id", "when", "after", "severities", "action", "target", "label", NULL};
    static const char *const triggers[] = {"unacknowledged", "unmitigated", "declared", "data_exposed", NULL};
    static const char *const actions[] = {"page", "notify", "request", NULL};
    if (!json_is_object(o))
        return bad(c, "an object", o);
    if (check_keys(c, o, keys) < 0)
        return -1;
    char *when = NULL;
    size_t keep = c->where.len;
    int rc = -1;
    if (get_string(c, o, "id", true, &r->id) < 0 || get_string(c, o, "when", true, &when) < 0 ||
        get_duration(c, o, "after", &r->after) < 0 || get_string(c, o, "action", true, &r->action) < 0 ||
        get_string(c, o, "target", true, &r->target) < 0 || get_string(c, o, "label", false, &r->label) < 0)
        goto done;
    int t = -1;
    for (int i = 0; triggers[i]; i++)
        if (strcmp(when, triggers[i]) == 0)
            t = i;
    if (t < 0) {
        at_key(c, keep, "when");
        error_set("%s: %s: expected unacknowledged, unmitigated, declared or data_exposed", c->source,
                  buf_str(&c->where));
        goto done;
    }
    r->when = (enum rule_trigger)t;
    if (!one_of(r->action, actions)) {
        at_key(c, keep, "action");
        error_set("%s: %s: expected page, notify or request", c->source, buf_str(&c->where));
        goto done;
    }
    json_t *sevs = json_object_get(o, "severities");
    if (sevs) {
        at_key(c, keep, "severities");
        if (!json_is_array(sevs)) {
            bad(c, "a list of levels like [1, 2]", sevs);
            goto done;
        }
        size_t i;
        json_t *v;
        json_array_foreach(sevs, i, v) {
            if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > (json_int_t)nlevels) {
                error_set("%s: %s[%zu]: expected a level from 1 to %zu", c->source, buf_str(&c->where), i, nlevels);
                goto done;
            }
            r->severities |= 1u << json_integer_value(v);
        }
        c->where.len = keep;
        c->where.data[keep] = '\0';
    }
    if (!r->label) {
        struct buf b = BUF_INIT;
        buf_printf(&b, "%s %s", r->action, r->target);
        r->label = buf_detach(&b);
    }
    rc = 0;
done:
    free(when);
    return rc;
}

/* The "intake" section; absent, alerts go to their service's open incident
 * or the one picked, and declare nothing. */
static int parse_intake(struct checker *c, json_t *o, struct policy *p)
{
    static const char *const keys[] = {"service_label", "severity_label", "declare", "otherwise", NULL};
    struct intake_policy *in = &p->intake;
    char *otherwise = NULL;
    int rc = -1;
    buf_reset(&c->where);
    buf_adds(&c->where, "intake");
    in->record = true;
    if (!o) {
        in->service_label = xstrdup("service");
        in->severity_label = xstrdup("severity");
        return 0;
    }
    if (!json_is_object(o))
        return bad(c, "an object", o);
    if (check_keys(c, o, keys) < 0 || get_string(c, o, "service_label", false, &in->service_label) < 0 ||
        get_string(c, o, "severity_label", false, &in->severity_label) < 0 ||
        get_string(c, o, "otherwise", false, &otherwise) < 0)
        goto done;
    if (!in->service_label)
        in->service_label = xstrdup("service");
    if (!in->severity_label)
        in->severity_label = xstrdup("severity");
    if (otherwise && strcmp(otherwise, "record") && strcmp(otherwise, "ignore")) {
        error_set("%s: intake.otherwise: expected record or ignore", c->source);
        goto done;
    }
    in->record = !otherwise || strcmp(otherwise, "record") == 0;
    json_t *declare = json_object_get(o, "declare");
    if (declare) {
        buf_adds(&c->where, ".declare");
        if (!json_is_object(declare) || json_object_size(declare) > POLICY_INTAKE_DECLARE_MAX) {
            bad(c, "an object of at most 16 severity values, each a level", declare);
            goto done;
        }
        const char *value;
        json_t *v;
        json_object_foreach(declare, value, v) {
            if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > (json_int_t)p->nlevels) {
                error_set("%s: intake.declare.%.60s: expected a level from 1 to %zu", c->source, value, p->nlevels);
                goto done;
            }
            if (!*value || strlen(value) > POLICY_STRING_MAX) {
                error_set("%s: intake.declare: a severity value is empty or longer than 200 characters", c->source);
                goto done;
            }
            struct buf b = BUF_INIT;
            text_clean(&b, value, strlen(value), 0);
            in->declare[in->ndeclare].value = buf_detach(&b);
            in->declare[in->ndeclare].sev = (int)json_integer_value(v);
            in->ndeclare++;
        }
    }
    rc = 0;
done:
    free(otherwise);
    return rc;
}

int policy_intake_sev(const struct policy *p, const char *value)
{
    for (size_t i = 0; value && i < p->intake.ndeclare; i++)
        if (strcmp(p->intake.declare[i].value, value) == 0)
            return p->intake.declare[i].sev;
    return 0;
}

/* "incident_channel": {"severities": [1, 2], "name": "inc-{date}-{slug}"};
 * absent, or either key absent: the defaults. */
static int parse_channel(struct checker *c, json_t *o, struct policy *p)
{
    static const char *const keys[] = {"severities", "name", NULL};
    buf_reset(&c->where);
    buf_adds(&c->where, "incident_channel");
    if (o && !json_is_object(o))
        return bad(c, "an object", o);
    if (o && (check_keys(c, o, keys) < 0 || get_string(c, o, "name", false, &p->channel_name) < 0))
        return -1;
    if (p->channel_name && (!*p->channel_name || strlen(p->channel_name) > POLICY_CHANNEL_NAME_MAX)) {
        buf_adds(&c->where, ".name");
        return error_set("%s: %s: expected a template of 1 to %d characters", c->source, buf_str(&c->where),
                         POLICY_CHANNEL_NAME_MAX);
    }
    if (!p->channel_name)
        p->channel_name = xstrdup(POLICY_CHANNEL_NAME_DEFAULT);
    json_t *sevs = o ? json_object_get(o, "severities") : NULL;
    if (!sevs) {
        p->channel_severities = (1u << 1) | (1u << 2);
        return 0;
    }
    buf_adds(&c->where, ".severities");
    if (!json_is_array(sevs))
        return bad(c, "a list of levels like [1, 2]", sevs);
    size_t i;
    json_t *v;
    json_array_foreach(sevs, i, v) {
        if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > (json_int_t)p->nlevels)
            return error_set("%s: %s[%zu]: expected a level from 1 to %zu", c->source, buf_str(&c->where), i,
                             p->nlevels);
        p->channel_severities |= 1u << json_integer_value(v);
    }
    return 0;
}

int policy_parse(struct policy *p, const char *text, size_t len, const char *source)
{
    struct checker c = {source, BUF_INIT};
    json_error_t jerr;
    json_t *root = NULL;
    int rc = -1;
    memset(p, 0, sizeof *p);
    p->source = xstrdup(source);
    buf_adds(&c.where, "");
    if (len > POLICY_TEXT_MAX) {
        error_set("%s: the policy is larger than 1 MiB", source);
        goto done;
    }
    root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        error_set("%s:%d:%d: not valid JSON: %s", source, jerr.line, jerr.column, jerr.text);
        goto done;
    }
    if (!json_is_object(root)) {
        error_set("%s: expected a JSON object at the top level", source);
        goto done;
    }
    static const char *const keys[] = {"severities", "escalation", "classification", "intake", "incident_channel",
                                       NULL};
    if (check_keys(&c, root, keys) < 0)
        goto done;
    json_t *sevs = json_object_get(root, "severities");
    if (!json_is_array(sevs) || json_array_size(sevs) < 2 || json_array_size(sevs) > POLICY_SEV_MAX) {
        buf_reset(&c.where);
        buf_adds(&c.where, "severities");
        bad(&c, "a list of 2 to 9 levels", sevs);
        goto done;
    }
    size_t i;
    json_t *v;
    json_array_foreach(sevs, i, v) {
        buf_reset(&c.where);
        buf_printf(&c.where, "severities[%zu]", i);
        if (parse_level(&c, v, &p->levels[i], i) < 0)
            goto done;
        p->nlevels++;
    }
    json_t *rules = json_object_get(root, "escalation");
    if (rules) {
        if (!json_is_array(rules) || json_array_size(rules) > POLICY_RULES_MAX) {
            buf_reset(&c.where);
            buf_adds(&c.where, "escalation");
            bad(&c, "a list of at most 32 rules", rules);
            goto done;
        }
        json_array_foreach(rules, i, v) {
            buf_reset(&c.where);
            buf_printf(&c.where, "escalation[%zu]", i);
            if (parse_rule(&c, v, &p->rules[i], p->nlevels) < 0)
                goto done;
            p->nrules++;
            for (size_t j = 0; j < i; j++) {
                if (strcmp(p->rules[j].id, p->rules[i].id) == 0) {
                    error_set("%s: escalation[%zu].id: \"%s\" is already used by escalation[%zu]", source, i,
                              p->rules[i].id, j);
                    goto done;
                }
            }
        }
    }
    json_t *qs = json_object_get(root, "classification");
    if (qs) {
        if (!json_is_array(qs) || json_array_size(qs) > POLICY_QUESTIONS_MAX) {
            buf_reset(&c.where);
            buf_adds(&c.where, "classification");
            bad(&c, "a list of at most 16 questions", qs);
            goto done;
        }
        json_array_foreach(qs, i, v) {
            static const char *const qkeys[] = {"question", "severity", "data_exposed", NULL};
            struct classify_question *q = &p->questions[i];
            buf_reset(&c.where);
            buf_printf(&c.where, "classification[%zu]", i);
            if (!json_is_object(v)) {
                bad(&c, "an object", v);
                goto done;
            }
            if (check_keys(&c, v, qkeys) < 0 || get_string(&c, v, "question", true, &q->question) < 0)
                goto done;
            p->nquestions++;
            json_t *sev = json_object_get(v, "severity");
            if (!json_is_integer(sev) || json_integer_value(sev) < 1 ||
                json_integer_value(sev) > (json_int_t)p->nlevels) {
                buf_adds(&c.where, ".severity");
                error_set("%s: %s: expected a level from 1 to %zu", source, buf_str(&c.where), p->nlevels);
                goto done;
            }
            q->severity = (int)json_integer_value(sev);
            q->data_exposed = json_is_true(json_object_get(v, "data_exposed"));
        }
    }
    if (parse_intake(&c, json_object_get(root, "intake"), p) < 0 ||
        parse_channel(&c, json_object_get(root, "incident_channel"), p) < 0)
        goto done;
    rc = 0;
done:
    json_decref(root);
    buf_free(&c.where);
    if (rc < 0)
        policy_free(p);
    return rc;
}

int policy_builtin(struct policy *p)
{
    const struct builtin_file *f = builtin_find("docs/policy.json");
    if (!f)
        return error_set("the built-in policy is missing from this build");
    return policy_parse(p, f->text, f->len, "built-in policy");
}

void policy_free(struct policy *p)
{
    for (size_t i = 0; i < POLICY_SEV_MAX; i++) {
        struct severity_level *l = &p->levels[i];
        free(l->name);
        free(l->label);
        free(l->description);
        free(l->pagerduty_severity);
        free(l->statuspage_impact);
        free(l->opsgenie_priority);
    }
    for (size_t i = 0; i < POLICY_RULES_MAX; i++) {
        struct escalation_rule *r = &p->rules[i];
        free(r->id);
        free(r->action);
        free(r->target);
        free(r->label);
    }
    for (size_t i = 0; i < POLICY_QUESTIONS_MAX; i++)
        free(p->questions[i].question);
    free(p->intake.service_label);
    free(p->intake.severity_label);
    for (size_t i = 0; i < p->intake.ndeclare; i++)
        free(p->intake.declare[i].value);
    free(p->channel_name);
    free(p->source);
    memset(p, 0, sizeof *p);
}

const struct severity_level *policy_level(const struct policy *p, int level)
{
    if (level < 1 || (size_t)level > p->nlevels)
        return NULL;
    return &p->levels[level - 1];
}

static json_t *span_or_null(int64_t ms)
{
    if (!ms)
        return json_null();
    char text[32];
    if (ms % STAMP_HOUR == 0)
        snprintf(text, sizeof text, "%lldh", (long long)(ms / STAMP_HOUR));
    else if (ms % STAMP_MINUTE == 0)
        snprintf(text, sizeof text, "%lldm", (long long)(ms / STAMP_MINUTE));
    else
        snprintf(text, sizeof text, "%llds", (long long)(ms / STAMP_SECOND));
    return json_string(text);
}

static json_t *string_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

void *policy_to_json(const struct policy *p)
{
    static const char *const triggers[] = {"unacknowledged", "unmitigated", "declared", "data_exposed"};
    json_t *root = json_object(), *levels = json_array(), *rules = json_array(), *qs = json_array();
    for (size_t i = 0; i < p->nlevels; i++) {
        const struct severity_level *l = &p->levels[i];
        json_array_append_new(levels, json_pack("{s:i, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "level",
                                                l->level, "name", l->name, "label", string_or_null(l->label),
                                                "description", string_or_null(l->description), "ack_within",
                                                span_or_null(l->ack_within), "update_every",
                                                span_or_null(l->update_every), "mitigate_within",
                                                span_or_null(l->mitigate_within), "postmortem_due",
                                                span_or_null(l->postmortem_due), "customer_email_due",
                                                span_or_null(l->customer_email_due), "pagerduty_severity",
                                                string_or_null(l->pagerduty_severity), "statuspage_impact",
                                                string_or_null(l->statuspage_impact)));
        if (l->opsgenie_priority)
            json_object_set_new(json_array_get(levels, i), "opsgenie_priority", json_string(l->opsgenie_priority));
    }
    for (size_t i = 0; i < p->nrules; i++) {
        const struct escalation_rule *r = &p->rules[i];
        json_t *rule = json_pack("{s:s, s:s, s:o, s:s, s:s, s:s}", "id", r->id, "when", triggers[r->when], "after",
                                 span_or_null(r->after), "action", r->action, "target", r->target, "label", r->label);
        if (r->severities) {
            json_t *sevs = json_array();
            for (int l = 1; l <= POLICY_SEV_MAX; l++)
                if (r->severities & (1u << l))
                    json_array_append_new(sevs, json_integer(l));
            json_object_set_new(rule, "severities", sevs);
        }
        json_array_append_new(rules, rule);
    }
    for (size_t i = 0; i < p->nquestions; i++)
        json_array_append_new(qs, json_pack("{s:s, s:i, s:b}", "question", p->questions[i].question, "severity",
                                            p->questions[i].severity, "data_exposed", p->questions[i].data_exposed));
    json_object_set_new(root, "severities", levels);
    json_object_set_new(root, "escalation", rules);
    json_object_set_new(root, "classification", qs);
    json_t *declare = json_object();
    for (size_t i = 0; i < p->intake.ndeclare; i++)
        json_object_set_new(declare, p->intake.declare[i].value, json_integer(p->intake.declare[i].sev));
    json_object_set_new(root, "intake",
                        json_pack("{s:s, s:s, s:o, s:s}", "service_label", p->intake.service_label,
                                  "severity_label", p->intake.severity_label, "declare", declare, "otherwise",
                                  p->intake.record ? "record" : "ignore"));
    json_t *chan = json_array();
    for (int l = 1; l <= POLICY_SEV_MAX; l++)
        if (p->channel_severities & (1u << l))
            json_array_append_new(chan, json_integer(l));
    json_object_set_new(root, "incident_channel",
                        json_pack("{s:o, s:s}", "severities", chan, "name",
                                  p->channel_name ? p->channel_name : POLICY_CHANNEL_NAME_DEFAULT));
    return root;
}
