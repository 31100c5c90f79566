/* Tests for email's pure half: which addresses pass (and that nothing that
 * could end a header or an SMTP command does), the draft's shape, a
 * Message-ID that stays the same for the same mail, the message's bytes, and
 * .netrc. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/email.h"
#include "warroom/error.h"

static int check(const char *addr)
{
    return email_check_address(addr, strlen(addr), "TO");
}

static void test_addresses(void **state)
{
    (void)state;
    static const char *const good[] = {
        "a@example.com", "status+incidents@mail.example.co.uk", "o'brien@example.ie", "x@localhost",
        "first.last@sub-domain.example", "a!#$%&'*+/=?^_`{|}~-@example.com",
    };
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        if (check(good[i]) < 0)
            fail_msg("%s refused: %s", good[i], error_last());
    static const char *const bad[] = {
        "", "a", "@example.com", "a@", "a b@example.com", "<a@example.com>", "a@example.com>",
        "a@example.com\r\nRCPT TO:<x@evil.example>", "a@example.com\nBcc: x@evil.example", "a,b@example.com",
        "a..b@example.com", ".a@example.com", "a.@example.com", "a@-example.com", "a@example-.com",
        "a@example..com", "a@example.com.", "a@exa_mple.com", "a@b@example.com", "j\xc3\xb6rg@example.de",
        "a@ex\xc3\xa4mple.de", "a\"b@example.com", "a@[127.0.0.1]", "a\x7f@example.com", "a\t@example.com",
        "a;b@example.com", "a@example.com;", "a:b@example.com",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (check(bad[i]) == 0)
            fail_msg("\"%s\" passed", bad[i]);
    /* the message names the variable and shows the address cleaned */
    assert_true(check("a@example.com\r\nDATA") < 0);
    assert_non_null(strstr(error_last(), "TO: \"a@example.com DATA\""));
    char local[80], longest[300];
    memset(local, 'a', 65);
    snprintf(local + 65, sizeof local - 65, "@example.com");
    assert_true(check(local) < 0);
    memset(longest, 'b', 250);
    memcpy(longest, "a@", 2);
    memcpy(longest + 60, ".", 1);
    memcpy(longest + 120, ".", 1);
    memcpy(longest + 180, ".", 1);
    longest[250] = '\0';
    assert_true(check(longest) < 0);   /* a label over 63 */
}

static void test_recipients(void **state)
{
    (void)state;
    struct email_recipients r;
    assert_int_equal(email_parse_recipients(&r, " a@example.com,b@example.org ,  c@example.net", "TO"), 0);
    assert_int_equal(r.n, 3);
    assert_string_equal(r.addr[0], "a@example.com");
    assert_string_equal(r.addr[1], "b@example.org");
    assert_string_equal(r.addr[2], "c@example.net");
    struct buf joined = BUF_INIT;
    email_recipients_join(&joined, &r);
    assert_string_equal(buf_str(&joined), "a@example.com, b@example.org, c@example.net");
    buf_free(&joined);
    email_recipients_free(&r);

    static const char *const bad[] = {
        "", ",", "a@example.com,", "a@example.com,,b@example.com", "a@example.com, A@EXAMPLE.COM",
        "a@example.com\nb@example.com", "a@example.com; b@example.com", "Carol <carol@example.com>",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        if (email_parse_recipients(&r, bad[i], "TO") == 0)
            fail_msg("\"%s\" passed", bad[i]);
        assert_int_equal(r.n, 0);
        assert_null(r.addr);
    }
    struct buf many = BUF_INIT;
    for (int i = 0; i <= EMAIL_RECIPIENTS_MAX; i++)
        buf_printf(&many, "%su%d@example.com", i ? "," : "", i);
    assert_true(email_parse_recipients(&r, buf_str(&many), "TO") < 0);
    assert_non_null(strstr(error_last(), "more than 100"));
    buf_free(&many);
}

static void parse_ok(struct email_draft *d, const char *text)
{
    if (email_draft_parse(d, text, strlen(text)) < 0)
        fail_msg("%s: %s", text, error_last());
}

static void test_draft(void **state)
{
    (void)state;
    struct email_draft d;
    parse_ok(&d, "Subject:  Resolved: checkout  \n\nHello,\n\nIt is fixed.\n\n\n");
    assert_string_equal(d.subject, "Resolved: checkout");
    assert_string_equal(d.body, "Hello,\n\nIt is fixed.\n");
    email_draft_free(&d);
    parse_ok(&d, "subject: x\r\n\r\nline one\r\nline two");   /* as a Windows editor saves it */
    assert_string_equal(d.subject, "x");
    assert_string_equal(d.body, "line one\nline two\n");
    email_draft_free(&d);
    /* a CR in the subject cannot start a header of its own */
    parse_ok(&d, "Subject: hello\rBcc: evil@example.com\n\nbody");
    assert_null(strchr(d.subject, '\r'));
    email_draft_free(&d);
    static const char *const bad[] = {
        "", "Hello\n\nbody", "Subject: x\nbody", "Subject: x", "Subject:   \n\nbody", "Subject: x\n\n",
        "Subject: x\n\n \n\n", "To: a@example.com\nSubject: x\n\nbody",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        if (email_draft_parse(&d, bad[i], strlen(bad[i])) == 0)
            fail_msg("\"%s\" passed", bad[i]);
        assert_null(d.subject);
        assert_null(d.body);
    }
    char subject[300] = "Subject: ";
    memset(subject + 9, 'x', 201);
    strcpy(subject + 210, "\n\nbody");
    assert_true(email_draft_parse(&d, subject, strlen(subject)) < 0);
}

static void test_message_id(void **state)
{
    (void)state;
    struct email_recipients to;
    assert_int_equal(email_parse_recipients(&to, "a@example.com, b@example.org", "TO"), 0);
    struct email_draft d = {.subject = "Resolved: checkout", .body = "Hello.\n"};
    char a[EMAIL_MESSAGE_ID_MAX + 1], b[EMAIL_MESSAGE_ID_MAX + 1];
    email_message_id(a, sizeof a, "inc-20250315-checkout", "status@example.com", &to, &d);
    /* pinned: a resend by a newer warroom must carry the same id */
    assert_string_equal(a, "<warroom.inc-20250315-checkout.ca68c58ae2bfca02316b221ecc3efc32@example.com>");
    email_message_id(b, sizeof b, "inc-20250315-checkout", "status@example.com", &to, &d);
    assert_string_equal(a, b);
    struct email_draft other = {.subject = "Resolved: checkout", .body = "Hello!\n"};
    email_message_id(b, sizeof b, "inc-20250315-checkout", "status@example.com", &to, &other);
    assert_string_not_equal(a, b);
    other = (struct email_draft){.subject = "Resolved: checkou", .body = "tHello.\n"};
    email_message_id(b, sizeof b, "inc-20250315-checkout", "status@example.com", &to, &other);
    assert_string_not_equal(a, b);   /* where the subject ends counts */
    email_message_id(b, sizeof b, "inc-20250316-checkout", "status@example.com", &to, &d);
    assert_string_not_equal(a, b);
    email_message_id(b, sizeof b, "inc-20250315-checkout", "news@example.com", &to, &d);
    assert_string_not_equal(a, b);
    email_recipients_free(&to);
    assert_int_equal(email_parse_recipients(&to, "a@example.com", "TO"), 0);
    email_message_id(b, sizeof b, "inc-20250315-checkout", "status@example.com", &to, &d);
    assert_string_not_equal(a, b);
    /* nothing from the incident id that a header could not hold */
    email_message_id(b, sizeof b, "inc>\r\nBcc: x", "status@example.com", &to, &d);
    assert_int_equal(b[0], '<');
    assert_int_equal(b[strlen(b) - 1], '>');
    b[strlen(b) - 1] = '\0';
    assert_null(strpbrk(b + 1, "<>\r\n :"));
    email_recipients_free(&to);
}

/* Every line ends in CRLF; none is longer than MAX but those starting with
 * one of the exceptions. */
static void lines_are_crlf(const char *msg, size_t max)
{
    for (const char *p = msg; *p;) {
        const char *nl = strchr(p, '\n');
        assert_non_null(nl);
        assert_true(nl > p || nl == p);
        if (nl > p)
            assert_int_equal(nl[-1], '\r');
        else
            fail_msg("a bare LF");
        size_t n = (size_t)(nl - p) - 1;
        if (n > max && strncmp(p, "Message-ID:", 11) != 0)
            fail_msg("line of %zu: %.*s", n, (int)n, p);
        p = nl + 1;
    }
}

static void test_build(void **state)
{
    (void)state;
    struct email_recipients to;
    assert_int_equal(email_parse_recipients(&to, "a@example.com, b@example.org", "TO"), 0);
    struct email_draft d;
    char body[400];
    snprintf(body, sizeof body,
             "Subject: Resolved: checkout\n\nHello,\n.\n.hidden\na=b \nend\t\n%s\n\xc3\xa9t\xc3\xa9\n",
             "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789");
    parse_ok(&d, body);
    struct email_message m = {.from = "status@example.com", .to = &to, .draft = &d,
                              .message_id = "<warroom.inc-1.abc@example.com>", .incident_id = "inc-1",
                              .date = INT64_C(1742051700000)};   /* 2025-03-15T15:15:00Z, a Saturday */
    struct buf out = BUF_INIT;
    email_build(&out, &m);
    const char *want =
        "Date: Sat, 15 Mar 2025 15:15:00 +0000\r\n"
        "From: status@example.com\r\n"
        "To: a@example.com,\r\n b@example.org\r\n"
        "Subject: Resolved: checkout\r\n"
        "Message-ID: <warroom.inc-1.abc@example.com>\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=UTF-8\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n"
        "X-Warroom-Incident: inc-1\r\n"
        "\r\n"
        "Hello,\r\n"
        "=2E\r\n"                   /* a lone dot would end the DATA */
        "=2Ehidden\r\n"
        "a=3Db=20\r\n"
        "end=09\r\n"
        "012345678901234567890123456789012345678901234567890123456789012345678901234=\r\n"
        "5678901234567890123456789\r\n"
        "=C3=A9t=C3=A9\r\n";
    assert_string_equal(buf_str(&out), want);
    lines_are_crlf(out.data, 78);
    buf_free(&out);
    email_draft_free(&d);

    /* a subject beyond ASCII: encoded words, cut between characters */
    parse_ok(&d, "Subject: St\xc3\xb6rung behoben: Zahlungen \xc3\xbc" "ber Karte funktionieren wieder, "
                 "Entschuldigung f\xc3\xbcr die Unannehmlichkeiten\n\nbody\n");
    m.draft = &d;
    email_build(&out, &m);
    lines_are_crlf(out.data, 78);
    const char *subject = strstr(out.data, "\r\nSubject: =?UTF-8?B?");
    assert_non_null(subject);
    assert_non_null(strstr(subject, "?=\r\n =?UTF-8?B?"));
    assert_non_null(strstr(out.data, "Subject: =?UTF-8?B?U3TDtnJ1bmcgYmVob2JlbjogWmFobHVuZ2VuIMO8YmVyIEthcnRlIGZ1?="));
    buf_free(&out);
    email_draft_free(&d);
    email_recipients_free(&to);
}

static void netrc(const char *text, const char *host, const char *login, const char *want_login,
                  const char *want_password)
{
    char *l, *p;
    int found = email_netrc_find(text, strlen(text), host, login, &l, &p);
    if (!want_login && !want_password) {
        assert_int_equal(found, 0);
        assert_null(l);
        assert_null(p);
        return;
    }
    assert_int_equal(found, 1);
    if (want_login)
        assert_string_equal(l, want_login);
    if (want_password)
        assert_string_equal(p, want_password);
    free(l);
    free(p);
}

static void test_netrc(void **state)
{
    (void)state;
    const char *text = "machine other.example login x password y\n"
                       "macdef init\nmachine smtp.example.com login evil password evil\n\n"
                       "machine smtp.example.com\n  login mailer\n  password \"p a\\\"ss\"\n"
                       "machine smtp.example.com login second password two\n"
                       "default login anon password guest\n";
    netrc(text, "smtp.example.com", NULL, "mailer", "p a\"ss");
    netrc(text, "SMTP.example.com", NULL, "mailer", "p a\"ss");
    netrc(text, "smtp.example.com", "second", "second", "two");
    netrc(text, "other.example", NULL, "x", "y");
    netrc(text, "elsewhere.example", NULL, "anon", "guest");
    netrc(text, "smtp.example.com", "nobody", NULL, NULL);
    netrc("machine a.example login u\n", "a.example", NULL, "u", NULL);
    netrc("", "a.example", NULL, NULL, NULL);
    netrc("machine", "a.example", NULL, NULL, NULL);
    /* an empty quoted token is a token like any other (found by fuzz_email) */
    netrc("\"\" machine \"\" login \"\" password \"\"\n", "a.example", NULL, NULL, NULL);
    netrc("machine a.example login \"\" password \"\"\n", "a.example", NULL, "", "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addresses), cmocka_unit_test(test_recipients), cmocka_unit_test(test_draft),
        cmocka_unit_test(test_message_id), cmocka_unit_test(test_build), cmocka_unit_test(test_netrc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
