/* test_listen — the PagerDuty signature check of `listen` (the server itself
 * is tested end to end under curl in tests/cli/test_listen.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "warroom/listen.h"

static void test_pagerduty_signature(void **state)
{
    (void)state;

    const char *body = "{\"event\":{}}";
    char *secrets[] = {(char *)"s3cr3t"}, *not_ours[] = {(char *)"new"};
    assert_false(listen_pagerduty_signed(NULL, body, strlen(body), secrets, 1));
    assert_false(listen_pagerduty_signed("", body, strlen(body), secrets, 1));
    assert_false(listen_pagerduty_signed("v1=00", body, strlen(body), secrets, 1));
    /* RFC 4231 test case 2: key "Jefe", "what do ya want for nothing?" */
    char *jefe[] = {(char *)"Jefe"};
    const char *msg = "what do ya want for nothing?";
    const char *sig = "v1=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
    assert_true(listen_pagerduty_signed(sig, msg, strlen(msg), jefe, 1));
    /* several signatures during a rotation: any one will do */
    char header[512];
    snprintf(header, sizeof header, "v1=f03de6f61df6e454f3620c4d6aca17ad072d3f8bbb2760eac3b2ad391b5e8073,%s", sig);
    assert_true(listen_pagerduty_signed(header, msg, strlen(msg), jefe, 1));
    /* several secrets of ours: any one will do */
    char *two[] = {(char *)"other", (char *)"Jefe"};
    assert_true(listen_pagerduty_signed(sig, msg, strlen(msg), two, 2));
    /* one byte of the body changed, a signature cut short, another version */
    assert_false(listen_pagerduty_signed(sig, "what do ya want for nothing!", strlen(msg), jefe, 1));
    assert_false(listen_pagerduty_signed("v1=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec384", msg,
                                         strlen(msg), jefe, 1));
    assert_false(listen_pagerduty_signed("v2=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", msg,
                                         strlen(msg), jefe, 1));
    assert_false(listen_pagerduty_signed(sig, msg, strlen(msg), not_ours, 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pagerduty_signature),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
