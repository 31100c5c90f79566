/* Fuzzes what the customer email reads from people: any bytes as a draft, as
 * a recipient list and as a .netrc. A draft either parses into a clean
 * one-line subject and a clean body or fails with a message; a list either
 * fails or holds only addresses that pass on their own; the message built
 * from what parsed has CRLF lines only, no line of the body that is "." and
 * no header beyond the ones email_build writes. Never a crash, never a leak. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/buf.h"
#include "warroom/email.h"
#include "warroom/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_message(const char *m)
{
    static const char *const headers[] = {"Date:", "From:", "To:", "Subject:", "Message-ID:", "MIME-Version:",
                                          "Content-Type:", "Content-Transfer-Encoding:", "X-Warroom-Incident:"};
    bool in_headers = true;
    for (const char *p = m; *p;) {
        const char *nl = strchr(p, '\n');
        if (!nl || nl == p || nl[-1] != '\r')
            abort();
        size_t n = (size_t)(nl - p) - 1;
        if (memchr(p, '\r', n))
            abort();
        if (in_headers && n == 0) {
            in_headers = false;
        } else if (in_headers && *p != ' ') {
            bool known = false;
            for (size_t i = 0; i < sizeof headers / sizeof *headers; i++)
                known |= strncmp(p, headers[i], strlen(headers[i])) == 0;
            if (!known)
                abort();
        } else if (!in_headers && (n > 76 || (n == 1 && *p == '.'))) {
            abort();
        }
        p = nl + 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';

    struct email_draft d;
    if (email_draft_parse(&d, text, size) == 0) {
        if (!*d.subject || strchr(d.subject, '\n') || !text_is_clean(d.subject, strlen(d.subject), 0) ||
            !text_is_clean(d.body, strlen(d.body), TEXT_KEEP_NEWLINES | TEXT_KEEP_TABS))
            abort();
        struct email_recipients to;
        if (email_parse_recipients(&to, "a@example.com", "TO") != 0)
            abort();
        char id[EMAIL_MESSAGE_ID_MAX + 1];
        email_message_id(id, sizeof id, "inc-1", "s@example.com", &to, &d);
        struct email_message m = {.from = "s@example.com", .to = &to, .draft = &d, .message_id = id,
                                  .incident_id = text, .date = 0};
        struct buf out = BUF_INIT;
        email_build(&out, &m);
        check_message(buf_str(&out));
        buf_free(&out);
        email_recipients_free(&to);
        email_draft_free(&d);
    }

    struct email_recipients r;
    if (email_parse_recipients(&r, text, "TO") == 0) {
        for (size_t i = 0; i < r.n; i++)
            if (email_check_address(r.addr[i], strlen(r.addr[i]), "TO") != 0 || strpbrk(r.addr[i], "\r\n<>,: "))
                abort();
        email_recipients_free(&r);
    }

    char *login, *password;
    if (email_netrc_find(text, size, "smtp.example.com", NULL, &login, &password) == 1) {
        free(login);
        free(password);
    }
    free(text);
    return 0;
}
