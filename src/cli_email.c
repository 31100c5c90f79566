/* cli_email — `warroom email`: render the customer email from the team's
 * template, optionally edit it, and with --send hand it to the mail server
 * once. "Once" is kept by the log: an `email` event with status "sending"
 * is recorded before the message leaves and one saying what became of it
 * after; while the last attempt may have arrived (no answer after the data
 * went, or no outcome recorded at all) or one already did, sending again
 * needs --force. The Message-ID comes from the incident and the draft, so a
 * forced resend of the same draft is recognisably the same mail.
 *
 * Everything that can refuse (settings, addresses, the template, the draft's
 * shape) is checked before anything is recorded or sent. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "warroom/buf.h"
#include "warroom/builtin.h"
#include "warroom/cli.h"
#include "warroom/email.h"
#include "warroom/error.h"
#include "warroom/file.h"
#include "warroom/postmortem.h"
#include "warroom/repo.h"
#include "warroom/stamp.h"
#include "warroom/template.h"

#define NETRC_MAX (64 * 1024)

/* What --send needs, read and checked before anything else happens. */
struct email_settings {
    struct email_server server;
    struct buf url, host;
    const char *from;
    struct email_recipients to;
    char *netrc_login, *netrc_password;   /* from ~/.netrc, when used */
};

static void settings_free(struct email_settings *s)
{
    buf_free(&s->url);
    buf_free(&s->host);
    email_recipients_free(&s->to);
    free(s->netrc_login);
    if (s->netrc_password)
        memset(s->netrc_password, 0, strlen(s->netrc_password));
    free(s->netrc_password);
}

/* The environment variable ENV, else the config's KEY (both may be unset). */
static const char *setting(const struct session *s, const char *env, const char *key)
{
    const char *v = session_env_or(NULL, env);
    return v ? v : config_string(&s->config, key);
}

/* ~/.netrc's entry for the server, when no password is in the environment.
 * Like ftp, a password in a .netrc others can read is not used. */
static int settings_netrc(struct email_settings *s)
{
    const char *home = getenv("HOME");
    if (!home || !*home)
        return 0;
    struct buf path = BUF_INIT, text = BUF_INIT;
    buf_printf(&path, "%s/.netrc", home);
    int rc = 0;
    struct stat st;
    if (stat(path.data, &st) != 0)
        goto done;
    if (session_read_file(&text, path.data, NETRC_MAX) < 0) {
        rc = -1;
        goto done;
    }
    if (email_netrc_find(text.data ? text.data : "", text.len, s->host.data, s->server.user, &s->netrc_login,
                         &s->netrc_password) == 1 && s->netrc_password && (st.st_mode & 077)) {
        rc = error_set("%s holds a password and others can read it: chmod 600 %s", path.data, path.data);
        goto done;
    }
    if (!s->server.user)
        s->server.user = s->netrc_login;
    s->server.password = s->netrc_password;
done:
    if (text.data)
        memset(text.data, 0, text.len);
    buf_free(&text);
    buf_free(&path);
    return rc;
}

static int settings_read(struct email_settings *s, const struct session *ss)
{
    const char *url = setting(ss, "WARROOM_SMTP_URL", "email.smtp_url");
    if (!url)
        return error_set("--send needs the mail server: set WARROOM_SMTP_URL (smtp://host:587, or smtps://host:465)");
    if (email_server_parse(&s->server, &s->url, &s->host, url, "WARROOM_SMTP_URL") < 0)
        return -1;
    if (config_value(&ss->config, "email.password"))
        return error_set("%s: a password does not go in the config: set WARROOM_SMTP_PASSWORD or use ~/.netrc",
                         ss->config.path ? ss->config.path : "config");
    s->from = setting(ss, "WARROOM_EMAIL_FROM", "email.from");
    if (!s->from)
        return error_set("--send needs the sender: set WARROOM_EMAIL_FROM");
    if (email_check_address(s->from, strlen(s->from), "WARROOM_EMAIL_FROM") < 0)
        return -1;
    const char *to = setting(ss, "WARROOM_EMAIL_TO", "email.to");
    if (!to)
        return error_set("--send needs the recipients: set WARROOM_EMAIL_TO (addresses separated by commas)");
    if (email_parse_recipients(&s->to, to, "WARROOM_EMAIL_TO") < 0)
        return -1;
    s->server.user = setting(ss, "WARROOM_SMTP_USER", "email.user");
    s->server.password = session_env_or(NULL, "WARROOM_SMTP_PASSWORD");
    if (s->server.user && strpbrk(s->server.user, "\r\n"))
        return error_set("WARROOM_SMTP_USER must be one line");
    if (!s->server.password && settings_netrc(s) < 0)
        return -1;
    if (s->server.password && !s->server.user)
        return error_set("a password needs a user: set WARROOM_SMTP_USER");
    if (s->server.password && s->server.plain)
        return error_set("a password is never sent without TLS: drop ?starttls=no from WARROOM_SMTP_URL, or "
                         "unset WARROOM_SMTP_PASSWORD for a relay that needs none");
    s->server.ca_file = setting(ss, "WARROOM_SMTP_CA", "email.ca_file");
    s->server.connect_timeout_ms = 10000;
    s->server.timeout_ms = 60000;
    return 0;
}

/* --template FILE, else the platform repo's comms/incident-email-template.md,
 * else the built-in. */
static int email_template(struct buf *text, struct buf *source, struct session *s)
{
    if (s->opts->template_path) {
        buf_adds(source, s->opts->template_path);
        return session_read_file(text, s->opts->template_path, TEMPLATE_MAX_SIZE);
    }
    int rc = session_read_platform_file(s, text, source, EMAIL_TEMPLATE, TEMPLATE_MAX_SIZE);
    if (rc == 0)
        return 0;
    if (rc != REPO_ENOTFOUND)
        return session_error_wrap("cannot read " EMAIL_TEMPLATE " from the platform repository: ", "");
    const struct builtin_file *f = builtin_find(EMAIL_BUILTIN_TEMPLATE);
    if (!f)
        return error_set("the built-in template %s is missing from this build", EMAIL_BUILTIN_TEMPLATE);
    buf_reset(text);
    buf_reset(source);
    buf_add(text, f->text, f->len);
    buf_printf(source, "%s (built in)", EMAIL_BUILTIN_TEMPLATE);
    return 0;
}

/* Only one `warroom email --send` per incident at a time on this machine:
 * the check of the log and the attempt it allows are one step. */
static int lock_incident(int *fd, const struct session *s, const char *id)
{
    char *path = store_incident_file(&s->store, id, "email.lock");
    *fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    int rc = 0;
    if (*fd < 0)
        rc = error_set_errno("cannot open %s", path);
    else if (flock(*fd, LOCK_EX | LOCK_NB) < 0)
        rc = error_set("another `warroom email --send` is sending %s's email right now", id);
    free(path);
    return rc;
}

static void format_hhmm(char *out, size_t size, int64_t t)
{
    int y, mo, d, h, mi, sec;
    stamp_to_utc(t, &y, &mo, &d, &h, &mi, &sec);
    snprintf(out, size, "%04d-%02d-%02d %02d:%02d UTC", y, mo, d, h, mi);
}

/* Refuses what could make a second copy, unless --force. */
static int check_once(const struct incident *inc, bool force)
{
    if (force)
        return 0;
    char when[40];
    if (inc->emailed_at != STAMP_NONE) {
        format_hhmm(when, sizeof when, inc->emailed_at);
        return error_set("the customer email of %s was already sent (%s); sending another needs --force", inc->id,
                         when);
    }
    const struct event *last = inc->email;
    const char *status = last ? event_str(last, "status") : NULL;
    if (!status)
        return 0;
    const char *id = event_str(last, "message_id");
    format_hhmm(when, sizeof when, last->at);
    if (strcmp(status, "sending") == 0)
        return error_set("the last attempt (%s, Message-ID %s) stopped before its outcome was recorded, so the "
                         "email may have arrived; check with the recipients or the mail server, then send again "
                         "with --force (an unchanged draft keeps its Message-ID)",
                         when, id ? id : "unknown");
    if (strcmp(status, "unknown") == 0)
        return error_set("the last attempt (%s, Message-ID %s) may have arrived: the connection ended after the "
                         "message was sent, before the server answered; check with the recipients or the mail "
                         "server, then send again with --force (an unchanged draft keeps its Message-ID)",
                         when, id ? id : "unknown");
    return 0;
}

static int record(struct session *s, const struct incident *inc, const char *status, const char *message_id,
                  const struct email_settings *set, const struct email_draft *draft, const struct email_result *r,
                  bool forced)
{
    struct event_draft d;
    struct buf to = BUF_INIT;
    email_recipients_join(&to, &set->to);
    event_draft_init(&d, EVENT_EMAIL, s->by);
    event_draft_str(&d, "status", status);
    event_draft_str(&d, "message_id", message_id);
    event_draft_str(&d, "subject", draft->subject);
    event_draft_str(&d, "from", set->from);
    event_draft_str(&d, "to", to.data);
    if (forced)
        event_draft_bool(&d, "forced", true);
    if (r && r->code)
        event_draft_int(&d, "code", r->code);
    if (r && *r->reason)
        event_draft_str(&d, r->outcome == EMAIL_SENT ? "reply" : "reason", r->reason);
    int rc = session_record(s, inc->id, &d);
    event_draft_free(&d);
    buf_free(&to);
    return rc;
}

/* Sends CONTENT (already checked as DRAFT) for INC. 0 only when sent. */
static int send_email(struct cli_context *c, struct incident *inc, const struct email_draft *draft)
{
    struct email_settings set = {0};
    struct buf message = BUF_INIT;
    struct email_result r;
    int lock = -1, rc = -1;
    bool changed;
    if (settings_read(&set, &c->s) < 0 || lock_incident(&lock, &c->s, inc->id) < 0)
        goto done;
    /* what another process recorded before the lock was ours counts */
    if (incident_follow(inc, &changed) < 0 || check_once(inc, c->opts->force) < 0)
        goto done;
    char message_id[EMAIL_MESSAGE_ID_MAX + 1];
    email_message_id(message_id, sizeof message_id, inc->id, set.from, &set.to, draft);
    struct email_message m = {.from = set.from, .to = &set.to, .draft = draft, .message_id = message_id,
                              .incident_id = inc->id, .date = c->s.now};
    email_build(&message, &m);
    if (record(&c->s, inc, "sending", message_id, &set, draft, NULL, c->opts->force) < 0) {
        session_error_wrap("nothing was sent: the attempt could not be recorded first: ", "");
        goto done;
    }
    if (email_send(&r, &set.server, set.from, &set.to, message.data, message.len) < 0) {
        char *why = xstrdup(error_last());
        struct email_result local = {.outcome = EMAIL_REFUSED};
        snprintf(local.reason, sizeof local.reason, "%s", why);
        record(&c->s, inc, "refused", message_id, &set, draft, &local, false);
        error_set("nothing was sent: %s", why);
        free(why);
        goto done;
    }
    if (record(&c->s, inc, email_outcome_name(r.outcome), message_id, &set, draft, &r, false) < 0) {
        session_error_wrap(r.outcome == EMAIL_SENT ? "the email was sent, but that could not be recorded: "
                                                   : "the attempt's outcome could not be recorded: ",
                           " (sending again will need --force)");
        goto done;
    }
    switch (r.outcome) {
    case EMAIL_SENT:
        printf("sent the customer email to %zu recipient%s as %s%s%s\n", set.to.n, set.to.n == 1 ? "" : "s",
               message_id, *r.reason ? ": " : "", r.reason);
        rc = 0;
        break;
    case EMAIL_DEFERRED:
        error_set("the mail server deferred the customer email (%s); nothing was delivered: try again later "
                  "with warroom email --send",
                  r.reason);
        break;
    case EMAIL_REFUSED:
        error_set("the customer email was refused (%s); nothing was delivered", r.reason);
        break;
    case EMAIL_UNKNOWN:
        error_set("the customer email may have arrived: %s; sending again needs --force", r.reason);
        break;
    }
done:
    if (lock >= 0)
        close(lock);
    buf_free(&message);
    settings_free(&set);
    return rc;
}

int cli_email(struct cli_context *c)
{
    struct cli_options *o = c->opts;
    struct incident *inc = NULL;
    struct buf content = BUF_INIT, text = BUF_INIT, source = BUF_INIT, draft_path = BUF_INIT;
    struct email_draft draft = {0};
    json_t *ctx = NULL;
    int rc = EXIT_FAILURE;

    if (o->nargs)
        return cli_usage_error("email takes no arguments (name the incident with --incident ID)");
    if (o->json && (o->send || o->edit || o->template_path))
        return cli_usage_error("--json prints the template's context; it does not go with --send, --edit or "
                               "--template");
    if (o->force && !o->send)
        return cli_usage_error("--force goes with --send");

    if (session_load_policy(&c->s) < 0 || session_who_am_i(&c->s) < 0 || session_pick_incident(&c->s, &inc, true) < 0)
        goto failed;
    if (inc->declared_at == STAMP_NONE) {
        error_set("%s has not been declared yet; there is nothing to write to customers about", inc->id);
        goto failed;
    }
    /* the email tells customers it is over: a draft may be prepared while it
     * is not, but it may not be sent */
    if (incident_is_open(inc) && o->send) {
        error_set("%s is still open: the customer email says it is resolved, so it is sent after "
                  "'warroom resolve'", inc->id);
        goto failed;
    }
    if (incident_is_open(inc))
        fprintf(stderr, "warroom: warning: %s is still open; this draft is for after it is resolved and has "
                        "no end time yet\n", inc->id);
    ctx = email_context(inc, &c->s.policy, c->s.now);
    if (o->json) {
        json_incref(ctx);
        rc = cli_print_json(ctx) < 0 ? cli_fail() : 0;
        goto done;
    }
    if (email_template(&text, &source, &c->s) < 0 ||
        postmortem_render(&content, text.data ? text.data : "", text.len, source.data, ctx) < 0)
        goto failed;
    if (o->edit && session_draft_edit(&content, &draft_path) < 0)
        goto failed;
    if (email_draft_parse(&draft, content.data ? content.data : "", content.len) < 0) {
        session_error_wrap("", o->template_path || o->edit ? "" : " (in the template's output)");
        goto failed;
    }
    if (!o->send) {
        if (fwrite(content.data ? content.data : "", 1, content.len, stdout) != content.len) {
            error_set_errno("cannot write the draft");
            goto failed;
        }
    } else if (send_email(c, inc, &draft) < 0) {
        goto failed;
    }
    if (draft_path.len)
        unlink(draft_path.data);
    rc = 0;
    goto done;
failed:
    rc = cli_fail();
    if (draft_path.len && access(draft_path.data, F_OK) == 0)
        fprintf(stderr, "warroom: the draft is kept in %s; send it with: warroom email --template %s --send\n",
                draft_path.data, draft_path.data);
done:
    json_decref(ctx);
    email_draft_free(&draft);
    buf_free(&content);
    buf_free(&text);
    buf_free(&source);
    buf_free(&draft_path);
    incident_free(inc);
    return rc;
}
