/* Tests for deliver against a real HTTP server: tests/receiver.py on
 * 127.0.0.1, answering as each provider does and recording every request.
 * The receiver is found under WARROOM_SOURCE_DIR (default: the current
 * directory, the repository root when the suite runs). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <time.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <fcntl.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <jansson.h>

#include "warroom/deliver.h"
#include "warroom/error.h"
#include "warroom/sink.h"

#define ROUTING_KEY "R0ut1ngKeySecret00000000000000aa"
#define SP_KEY "spApiKeySecret123"

static struct {
    pid_t pid;
    int port;
    char dir[64];
    char log[128];
    char base[64];  /* http://127.0.0.1:PORT */
} rx;

static const char *env_or(const char *name, const char *fallback)
{
    const char *v = getenv(name);
    return v && *v ? v : fallback;
}

static int start_receiver(void **state)
{
    (void)state;
    char script[4096];
    int fds[2];
    snprintf(script, sizeof script, "%s/tests/receiver.py", env_or("WARROOM_SOURCE_DIR", "."));
    snprintf(rx.dir, sizeof rx.dir, "/tmp/warroom-deliver-XXXXXX");
    if (!mkdtemp(rx.dir) || pipe(fds) != 0)
        return -1;
    snprintf(rx.log, sizeof rx.log, "%s/requests.jsonl", rx.dir);
    rx.pid = fork();
    if (rx.pid < 0)
        return -1;
    if (rx.pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execl("/usr/bin/python3", "python3", script, rx.log, "--lifetime", "180", "--hang-max",
              "60", (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    FILE *f = fdopen(fds[0], "r");
    char line[32];
    if (!f || !fgets(line, sizeof line, f)) {
        fprintf(stderr, "receiver did not start (%s)\n", script);
        return -1;
    }
    fclose(f);
    rx.port = atoi(line);
    snprintf(rx.base, sizeof rx.base, "http://127.0.0.1:%d", rx.port);
    return rx.port > 0 ? 0 : -1;
}

static int stop_receiver(void **state)
{
    (void)state;
    if (rx.pid > 0) {
        kill(rx.pid, SIGTERM);
        waitpid(rx.pid, NULL, 0);
    }
    unlink(rx.log);
    rmdir(rx.dir);
    return 0;
}

static size_t discard(char *p, size_t size, size_t n, void *arg)
{
    (void)p;
    (void)arg;
    return size * n;
}

/* Tells the receiver how to answer PATH. */
static void control(const char *json)
{
    char url[128];
    long status = 0;
    snprintf(url, sizeof url, "%s/_control", rx.base);
    CURL *e = curl_easy_init();
    assert_non_null(e);
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, json);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, 10L);
    assert_int_equal(curl_easy_perform(e), CURLE_OK);
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    assert_int_equal(status, 200);
    curl_easy_cleanup(e);
}

/* Every request the receiver recorded for PATH, oldest first. */
static json_t *recorded(const char *path)
{
    json_t *out = json_array();
    FILE *f = fopen(rx.log, "r");
    assert_non_null(f);
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        json_error_t err;
        json_t *r = json_loads(line, 0, &err);
        assert_non_null(r);
        if (strcmp(json_string_value(json_object_get(r, "path")), path) == 0)
            json_array_append(out, r);
        json_decref(r);
    }
    free(line);
    fclose(f);
    return out;
}

static const char *rec_str(json_t *rec, const char *key)
{
    return json_string_value(json_object_get(rec, key));
}

static const char *rec_header(json_t *rec, const char *name)
{
    return json_string_value(json_object_get(json_object_get(rec, "headers"), name));
}

/* Runs one request to completion (bounded) and returns its outcome. */
static void run_one(const struct deliver_request *req, struct deliver_result *out)
{
    struct deliver *d;
    assert_int_equal(deliver_new(&d), 0);
    assert_int_equal(deliver_add(d, req), 0);
    assert_int_equal(deliver_run_until(d, deliver_clock_ms() + 30000), 0);
    assert_true(deliver_next_result(d, out));
    struct deliver_result extra;
    assert_false(deliver_next_result(d, &extra));
    deliver_free(d);
}

static void build(struct sink_request *r, const struct sink_target *t, enum publish_kind kind,
                  const char *remote_id)
{
    struct publish_item it = {
        .kind = kind,
        .state = kind == PUBLISH_RESOLVE ? PUBLISH_STATE_RESOLVED : PUBLISH_STATE_INVESTIGATING,
        .incident_id = "inc-20250315-checkout-down",
        .title = "Checkout down",
        .sev = 1,
        .ic = "alice",
        .text = "Payments API returns 500",
        .at_ms = INT64_C(1742049302118),
        .event_json = "{\"id\":\"e1\",\"type\":\"declare\"}",
    };
    assert_int_equal(sink_build_request(r, t, &it, remote_id), 1);
}

static void send_built(const struct sink_request *r, long total_ms, struct deliver_result *out)
{
    struct deliver_request req;
    sink_request_view(&req, r);
    req.total_timeout_ms = total_ms;
    run_one(&req, out);
}

static void test_pagerduty_202(void **state)
{
    (void)state;
    char url[128];
    snprintf(url, sizeof url, "%s/pd202/v2/enqueue", rx.base);
    struct sink_target t = {.type = SINK_PAGERDUTY, .url = url, .secret = ROUTING_KEY, .source = "h"};
    struct sink_request r;
    struct deliver_result res;
    build(&r, &t, PUBLISH_DECLARE, NULL);
    send_built(&r, 10000, &res);

    assert_int_equal(res.error, DELIVER_OK);
    assert_int_equal(res.http_status, 202);
    assert_null(res.error_text);
    json_error_t err;
    json_t *reply = json_loadb(res.body, res.body_len, 0, &err);
    assert_string_equal(json_string_value(json_object_get(reply, "status")), "success");
    assert_string_equal(json_string_value(json_object_get(reply, "message")), "Event processed");
    assert_string_equal(json_string_value(json_object_get(reply, "dedup_key")), "inc-20250315-checkout-down");
    json_decref(reply);
    struct buf reason = BUF_INIT;
    assert_int_equal(sink_classify(SINK_PAGERDUTY, &res, NULL, &reason), SINK_DELIVERED);
    buf_free(&reason);

    json_t *recs = recorded("/pd202/v2/enqueue");
    assert_int_equal(json_array_size(recs), 1);
    json_t *rec = json_array_get(recs, 0);
    assert_string_equal(rec_str(rec, "method"), "POST");
    assert_string_equal(rec_header(rec, "Content-Type"), "application/json");
    assert_string_equal(rec_header(rec, "User-Agent"), "warroom/0.1");
    assert_string_equal(rec_str(rec, "body"), r.body);
    json_t *sent = json_loads(rec_str(rec, "body"), 0, &err);
    assert_string_equal(json_string_value(json_object_get(sent, "event_action")), "trigger");
    assert_string_equal(json_string_value(json_object_get(sent, "routing_key")), ROUTING_KEY);
    json_decref(sent);
    json_decref(recs);
    deliver_result_free(&res);
    sink_request_free(&r);
}

static void test_pagerduty_400_error_text(void **state)
{
    (void)state;
    control("{\"path\":\"/pd400/v2/enqueue\",\"replies\":[{\"preset\":\"pagerduty-invalid\"}]}");
    char url[128];
    snprintf(url, sizeof url, "%s/pd400/v2/enqueue", rx.base);
    struct sink_target t = {.type = SINK_PAGERDUTY, .url = url, .secret = ROUTING_KEY};
    struct sink_request r;
    struct deliver_result res;
    build(&r, &t, PUBLISH_ACK, NULL);
    send_built(&r, 10000, &res);
    assert_int_equal(res.http_status, 400);
    struct buf reason = BUF_INIT;
    const char *secrets[] = {ROUTING_KEY, NULL};
    assert_int_equal(sink_classify(SINK_PAGERDUTY, &res, secrets, &reason), SINK_FAILED);
    assert_string_equal(buf_str(&reason), "HTTP 400: invalid event: Event object is invalid "
                                          "('payload.summary' is missing or blank)");
    json_t *recs = recorded("/pd400/v2/enqueue");
    assert_int_equal(json_array_size(recs), 1);
    json_t *sent = json_loads(rec_str(json_array_get(recs, 0), "body"), 0, NULL);
    assert_string_equal(json_string_value(json_object_get(sent, "event_action")), "acknowledge");
    json_decref(sent);
    json_decref(recs);
    buf_free(&reason);
    deliver_result_free(&res);
    sink_request_free(&r);
}

static void test_slack_ok_and_400(void **state)
{
    (void)state;
    char url[160];
    snprintf(url, sizeof url, "%s/services/T000/B000/SLACKSECRETTOKEN", rx.base);
    struct sink_target t = {.type = SINK_SLACK, .url = url};
    struct sink_request r;
    struct deliver_result res;
    build(&r, &t, PUBLISH_UPDATE, NULL);
    send_built(&r, 10000, &res);
    assert_int_equal(res.http_status, 200);
    assert_string_equal(res.body, "ok");
    deliver_result_free(&res);

    control("{\"path\":\"/services/T000/B000/SLACKSECRETTOKEN\",\"replies\":"
            "[{\"preset\":\"slack-invalid\"}]}");
    send_built(&r, 10000, &res);
    struct buf reason = BUF_INIT;
    const char *secrets[] = {url, sink_url_secret(url), NULL};
    assert_int_equal(sink_classify(SINK_SLACK, &res, secrets, &reason), SINK_FAILED);
    assert_string_equal(buf_str(&reason), "HTTP 400: invalid_payload");

    json_t *recs = recorded("/services/T000/B000/SLACKSECRETTOKEN");
    assert_int_equal(json_array_size(recs), 2);
    json_t *rec = json_array_get(recs, 1);
    assert_string_equal(rec_str(rec, "method"), "POST");
    assert_string_equal(rec_header(rec, "Content-Type"), "application/json");
    json_t *sent = json_loads(rec_str(rec, "body"), 0, NULL);
    assert_true(json_is_array(json_object_get(sent, "blocks")));
    json_decref(sent);
    json_decref(recs);
    buf_free(&reason);
    deliver_result_free(&res);
    sink_request_free(&r);
}

static void post_plain(const char *path, long total_ms, struct deliver_result *out)
{
    char url[160];
    snprintf(url, sizeof url, "%s%s", rx.base, path);
    const char *headers[] = {"Content-Type: application/json"};
    struct deliver_request req = {.method = "POST", .url = url, .headers = headers, .n_headers = 1,
                                  .body = "{}", .body_len = 2, .total_timeout_ms = total_ms, .tag = 7};
    run_one(&req, out);
    assert_int_equal(out->tag, 7);
}

static void test_429_retry_after_seconds(void **state)
{
    (void)state;
    control("{\"path\":\"/r429s\",\"replies\":[{\"status\":429,\"retry_after\":\"7\","
            "\"body\":{\"status\":\"throttle event\",\"message\":\"slow down\"}}]}");
    struct deliver_result res;
    post_plain("/r429s", 10000, &res);
    assert_int_equal(res.http_status, 429);
    assert_string_equal(res.retry_after, "7");
    int64_t d;
    assert_int_equal(sink_retry_after_parse(&d, res.retry_after, time(NULL)), 0);
    assert_int_equal(d, 7);
    const struct sink_backoff p = {1000, 60000};
    assert_int_equal(sink_retry_delay_ms(&p, 1, 0, res.retry_after, time(NULL)), 7000);
    struct buf reason = BUF_INIT;
    assert_int_equal(sink_classify(SINK_PAGERDUTY, &res, NULL, &reason), SINK_RETRY);
    assert_string_equal(buf_str(&reason), "HTTP 429: throttle event: slow down");
    buf_free(&reason);
    deliver_result_free(&res);

    /* Scripted replies are used up in order; then the usual answer. */
    post_plain("/r429s", 10000, &res);
    assert_int_equal(res.http_status, 200);
    assert_null(res.retry_after);
    deliver_result_free(&res);
    json_t *recs = recorded("/r429s");
    assert_int_equal(json_array_size(recs), 2);
    json_decref(recs);
}

static void test_429_retry_after_date(void **state)
{
    (void)state;
    control("{\"path\":\"/r429d\",\"replies\":[{\"status\":429,\"retry_after_date\":30}]}");
    struct deliver_result res;
    post_plain("/r429d", 10000, &res);
    assert_int_equal(res.http_status, 429);
    assert_non_null(res.retry_after);
    assert_non_null(strstr(res.retry_after, " GMT"));
    int64_t d;
    assert_int_equal(sink_retry_after_parse(&d, res.retry_after, time(NULL)), 0);
    /* 30 s from when the server answered, read at one-second precision. */
    assert_true(d >= 1 && d <= 31);
    struct buf reason = BUF_INIT;
    assert_int_equal(sink_classify(SINK_WEBHOOK, &res, NULL, &reason), SINK_RETRY);
    buf_free(&reason);
    deliver_result_free(&res);
}

static void test_420_and_500_retry(void **state)
{
    (void)state;
    control("{\"path\":\"/r420\",\"replies\":[{\"preset\":\"statuspage-slow-down\"}]}");
    control("{\"path\":\"/r500\",\"replies\":[{\"status\":500,\"body\":\"Internal Server Error\"}]}");
    struct deliver_result res;
    struct buf reason = BUF_INIT;
    post_plain("/r420", 10000, &res);
    assert_int_equal(res.http_status, 420);
    assert_int_equal(sink_classify(SINK_STATUSPAGE, &res, NULL, &reason), SINK_RETRY);
    assert_string_equal(buf_str(&reason), "HTTP 420: Enhance your calm");
    deliver_result_free(&res);
    buf_reset(&reason);
    post_plain("/r500", 10000, &res);
    assert_int_equal(res.http_status, 500);
    assert_int_equal(sink_classify(SINK_SLACK, &res, NULL, &reason), SINK_RETRY);
    assert_string_equal(buf_str(&reason), "HTTP 500: Internal Server Error");
    deliver_result_free(&res);
    buf_free(&reason);
}

static void test_never_answering_times_out(void **state)
{
    (void)state;
    control("{\"path\":\"/hang/HANGSECRETTOKEN\",\"default\":{\"hang\":true}}");
    char url[160];
    snprintf(url, sizeof url, "%s/hang/HANGSECRETTOKEN", rx.base);
    struct deliver_request req = {.method = "POST", .url = url, .body = "{}", .body_len = 2,
                                  .connect_timeout_ms = 1000, .total_timeout_ms = 1500, .tag = 42};
    struct deliver *d;
    assert_int_equal(deliver_new(&d), 0);
    assert_int_equal(deliver_add(d, &req), 0);
    /* Adding and performing never wait for the server. */
    assert_int_equal(deliver_perform(d), 1);
    struct deliver_result res;
    assert_false(deliver_next_result(d, &res));
    uint64_t tags[2];
    assert_int_equal(deliver_in_flight_tags(d, tags, 2), 1);
    assert_int_equal(tags[0], 42);
    assert_true(deliver_next_timeout_ms(d) >= 0);

    /* The deadline is far past the total timeout: the transfer must end by
     * its own timeout, not by the deadline. */
    assert_int_equal(deliver_run_until(d, deliver_clock_ms() + 30000), 0);
    assert_true(deliver_next_result(d, &res));
    assert_int_equal(res.tag, 42);
    assert_int_equal(res.error, DELIVER_TIMEOUT);
    assert_int_equal(res.http_status, 0);
    assert_non_null(res.error_text);
    assert_null(strstr(res.error_text, "HANGSECRET"));
    assert_null(strchr(res.error_text, '\n'));
    struct buf reason = BUF_INIT;
    assert_int_equal(sink_classify(SINK_WEBHOOK, &res, NULL, &reason), SINK_RETRY);
    assert_true(strncmp(buf_str(&reason), "timed out", 9) == 0);
    assert_int_equal(deliver_next_timeout_ms(d), -1);
    buf_free(&reason);
    deliver_result_free(&res);
    deliver_free(d);
}

static int closed_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(s, (struct sockaddr *)&a, &len), 0);
    close(s);  /* nobody listens there now */
    return ntohs(a.sin_port);
}

static void test_connection_refused_hides_url(void **state)
{
    (void)state;
    char url[160];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/services/T1/B2/REFUSEDSECRET?token=QSECRET",
             closed_port());
    struct deliver_request req = {.method = "POST", .url = url, .body = "{}", .body_len = 2,
                                  .total_timeout_ms = 5000};
    struct deliver_result res;
    run_one(&req, &res);
    assert_int_equal(res.error, DELIVER_CONNECT);
    assert_non_null(res.error_text);
    assert_null(strstr(res.error_text, "REFUSEDSECRET"));
    assert_null(strstr(res.error_text, "QSECRET"));
    assert_null(strstr(res.error_text, "/services/T1"));
    deliver_result_free(&res);
}

static void test_refuses_bad_requests(void **state)
{
    (void)state;
    struct deliver *d;
    assert_int_equal(deliver_new(&d), 0);
    struct deliver_request req = {.method = "POST", .url = "ftp://127.0.0.1/SECRETFTP"};
    assert_true(deliver_add(d, &req) < 0);
    assert_null(strstr(error_last(), "SECRETFTP"));
    char url[128];
    snprintf(url, sizeof url, "%s/x", rx.base);
    const char *smuggle[] = {"X-Ok: 1\r\nX-Evil: 1"};
    req.url = url;
    req.headers = smuggle;
    req.n_headers = 1;
    assert_true(deliver_add(d, &req) < 0);
    req.n_headers = 0;
    req.method = "TRACE";
    assert_true(deliver_add(d, &req) < 0);
    assert_int_equal(deliver_in_flight(d), 0);
    deliver_free(d);
}

static void test_statuspage_create_then_patch(void **state)
{
    (void)state;
    struct sink_target t = {.type = SINK_STATUSPAGE, .url = rx.base, .secret = SP_KEY,
                            .page_id = "pgtest"};
    struct sink_request r;
    struct deliver_result res;
    build(&r, &t, PUBLISH_UPDATE, NULL);
    send_built(&r, 10000, &res);
    assert_int_equal(res.http_status, 201);
    char *id = NULL;
    assert_int_equal(sink_statuspage_incident_id(&id, res.body, res.body_len), 0);
    deliver_result_free(&res);
    sink_request_free(&r);

    build(&r, &t, PUBLISH_RESOLVE, id);
    send_built(&r, 10000, &res);
    assert_int_equal(res.http_status, 200);
    deliver_result_free(&res);
    sink_request_free(&r);

    json_t *created = recorded("/v1/pages/pgtest/incidents");
    assert_int_equal(json_array_size(created), 1);
    json_t *rec = json_array_get(created, 0);
    assert_string_equal(rec_str(rec, "method"), "POST");
    assert_string_equal(rec_header(rec, "Authorization"), "OAuth " SP_KEY);
    assert_string_equal(rec_header(rec, "Content-Type"), "application/json");
    json_t *sent = json_loads(rec_str(rec, "body"), 0, NULL);
    json_t *inc = json_object_get(sent, "incident");
    assert_string_equal(json_string_value(json_object_get(inc, "name")), "Checkout down");
    assert_string_equal(json_string_value(json_object_get(inc, "status")), "investigating");
    assert_string_equal(json_string_value(json_object_get(inc, "impact_override")), "critical");
    json_decref(sent);

    char path[128];
    snprintf(path, sizeof path, "/v1/pages/pgtest/incidents/%s", id);
    json_t *patched = recorded(path);
    assert_int_equal(json_array_size(patched), 1);
    rec = json_array_get(patched, 0);
    assert_string_equal(rec_str(rec, "method"), "PATCH");
    assert_string_equal(rec_header(rec, "Authorization"), "OAuth " SP_KEY);
    sent = json_loads(rec_str(rec, "body"), 0, NULL);
    inc = json_object_get(sent, "incident");
    assert_string_equal(json_string_value(json_object_get(inc, "status")), "resolved");
    assert_null(json_object_get(inc, "name"));
    json_decref(sent);
    json_decref(created);
    json_decref(patched);
    free(id);
}

static void test_webhook_json(void **state)
{
    (void)state;
    char url[128];
    snprintf(url, sizeof url, "%s/hooks/generic", rx.base);
    struct sink_target t = {.type = SINK_WEBHOOK, .url = url};
    struct sink_request r;
    struct deliver_result res;
    build(&r, &t, PUBLISH_DECLARE, NULL);
    send_built(&r, 10000, &res);
    assert_int_equal(res.http_status, 200);
    json_t *recs = recorded("/hooks/generic");
    assert_int_equal(json_array_size(recs), 1);
    json_t *rec = json_array_get(recs, 0);
    assert_string_equal(rec_header(rec, "Content-Type"), "application/json");
    json_t *sent = json_loads(rec_str(rec, "body"), 0, NULL);
    assert_string_equal(json_string_value(json_object_get(json_object_get(sent, "event"), "id")), "e1");
    assert_string_equal(json_string_value(json_object_get(json_object_get(sent, "incident"), "id")),
                        "inc-20250315-checkout-down");
    json_decref(sent);
    json_decref(recs);
    deliver_result_free(&res);
    sink_request_free(&r);
}

static void test_large_reply_is_bounded(void **state)
{
    (void)state;
    struct buf json = BUF_INIT;
    buf_adds(&json, "{\"path\":\"/big\",\"replies\":[{\"status\":500,\"body\":\"");
    for (int i = 0; i < 100000; i++)
        buf_addc(&json, 'x');
    buf_adds(&json, "\"}]}");
    control(buf_str(&json));
    buf_free(&json);
    struct deliver_result res;
    post_plain("/big", 10000, &res);
    assert_int_equal(res.http_status, 500);
    assert_int_equal(res.body_len, DELIVER_BODY_MAX);
    assert_true(res.body_truncated);
    assert_int_equal(strlen(res.body), DELIVER_BODY_MAX);
    struct buf reason = BUF_INIT;
    assert_int_equal(sink_classify(SINK_WEBHOOK, &res, NULL, &reason), SINK_RETRY);
    assert_true(reason.len <= SINK_REASON_MAX);
    buf_free(&reason);
    deliver_result_free(&res);
}

static void test_wait_covers_extra_descriptors(void **state)
{
    (void)state;
    struct deliver *d;
    int p[2];
    assert_int_equal(deliver_new(&d), 0);
    assert_int_equal(pipe(p), 0);
    assert_int_equal(deliver_next_timeout_ms(d), -1);

    /* Idle engine: the wait still reports the caller's descriptor. */
    assert_int_equal(write(p[1], "k", 1), 1);
    struct pollfd fd = {.fd = p[0], .events = POLLIN};
    assert_int_equal(deliver_wait(d, &fd, 1, 10000), 0);
    assert_true(fd.revents & POLLIN);
    char c;
    assert_int_equal(read(p[0], &c, 1), 1);

    /* Busy engine (a server that never answers): the key still comes through. */
    control("{\"path\":\"/hang-wait\",\"default\":{\"hang\":true}}");
    char url[128];
    snprintf(url, sizeof url, "%s/hang-wait", rx.base);
    struct deliver_request req = {.method = "POST", .url = url, .body = "{}", .body_len = 2,
                                  .total_timeout_ms = 20000};
    assert_int_equal(deliver_add(d, &req), 0);
    assert_int_equal(deliver_perform(d), 1);
    assert_int_equal(write(p[1], "k", 1), 1);
    fd.revents = 0;
    assert_int_equal(deliver_wait(d, &fd, 1, 10000), 0);
    assert_true(fd.revents & POLLIN);
    assert_int_equal(deliver_perform(d), 1);
    /* Freeing with a transfer in flight abandons it cleanly. */
    deliver_free(d);
    close(p[0]);
    close(p[1]);
}

static void test_hundred_concurrent(void **state)
{
    (void)state;
    enum { N = 100 };
    control("{\"path\":\"/slow\",\"default\":{\"status\":200,\"body\":\"ok\",\"delay\":2.0}}");
    char url[128];
    snprintf(url, sizeof url, "%s/slow", rx.base);
    struct deliver *d;
    assert_int_equal(deliver_new(&d), 0);
    for (uint64_t i = 0; i < N; i++) {
        struct deliver_request req = {.method = "POST", .url = url, .body = "{}", .body_len = 2,
                                      .connect_timeout_ms = 30000, .total_timeout_ms = 60000,
                                      .tag = i};
        assert_int_equal(deliver_add(d, &req), 0);
    }
    assert_int_equal(deliver_in_flight(d), N);
    assert_int_equal(deliver_run_until(d, deliver_clock_ms() + 120000), 0);

    bool seen[N] = {false};
    struct deliver_result res;
    size_t n = 0;
    while (deliver_next_result(d, &res)) {
        assert_int_equal(res.error, DELIVER_OK);
        assert_int_equal(res.http_status, 200);
        assert_true(res.tag < N && !seen[res.tag]);
        seen[res.tag] = true;
        n++;
        deliver_result_free(&res);
    }
    assert_int_equal(n, N);
    deliver_free(d);

    /* Concurrency, shown by the server rather than a clock: at some moment all
     * of them were being held by the receiver at once. */
    json_t *recs = recorded("/slow");
    assert_int_equal(json_array_size(recs), N);
    json_int_t most = 0;
    size_t i;
    json_t *rec;
    json_array_foreach(recs, i, rec)
    {
        json_int_t c = json_integer_value(json_object_get(rec, "concurrent"));
        if (c > most)
            most = c;
    }
    assert_int_equal(most, N);
    json_decref(recs);
}


/* A server that answers the first request on a connection and keeps it open,
 * then takes the next request on that same connection in full and hangs up
 * without a word, as a server that processed it and died would. Each request
 * it took is one byte on SEEN. */
static pid_t start_dropping_server(int *port, int seen)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(s, 8), 0);
    assert_int_equal(getsockname(s, (struct sockaddr *)&a, &len), 0);
    *port = ntohs(a.sin_port);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid > 0) {
        close(s);
        return pid;
    }
    /* never outlive a failed test, nor hold the runner's output open */
    alarm(60);
    int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    for (;;) {
        int c = accept(s, NULL, NULL);
        if (c < 0)
            _exit(1);
        /* one process per connection, so a kept-alive one never blocks the next */
        pid_t one = fork();
        if (one != 0) {
            close(c);
            continue;
        }
        alarm(60);
        for (int nth = 0;; nth++) {
            char req[8192];
            size_t got = 0;
            char *end = NULL;
            /* the headers, then as much body as they announce */
            while (!(end = memmem(req, got, "\r\n\r\n", 4))) {
                ssize_t r = read(c, req + got, sizeof req - got - 1);
                if (r <= 0)
                    break;
                got += (size_t)r;
            }
            if (!end)
                break;
            req[got] = '\0';
            const char *cl = strstr(req, "Content-Length: ");
            size_t want = (size_t)(end + 4 - req) + (cl ? strtoul(cl + 16, NULL, 10) : 0);
            while (got < want && got < sizeof req - 1) {
                ssize_t r = read(c, req + got, sizeof req - got - 1);
                if (r <= 0)
                    break;
                got += (size_t)r;
            }
            if (write(seen, "r", 1) != 1)
                _exit(1);
            if (nth > 0)
                break;  /* processed, never answered */
            static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok";
            if (write(c, ok, sizeof ok - 1) != (ssize_t)(sizeof ok - 1))
                break;
        }
        _exit(0);
    }
}

/* libcurl sends a request again by itself when a connection it reused turns
 * out dead before any answer: harmless for a GET, a second Slack message or
 * Statuspage incident for a POST. So anything but a GET goes on a connection
 * of its own, and a request is on the wire at most once per attempt. */
static void test_post_never_resent_on_a_dead_reused_connection(void **state)
{
    (void)state;
    int seen[2], port;
    assert_int_equal(pipe(seen), 0);
    pid_t pid = start_dropping_server(&port, seen[1]);
    close(seen[1]);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/hook", port);
    static const char *const headers[] = {"Content-Type: application/json"};
    struct deliver *d;
    assert_int_equal(deliver_new(&d), 0);
    for (int i = 0; i < 2; i++) {
        struct deliver_request req = {.method = "POST", .url = url, .headers = headers, .n_headers = 1,
                                      .body = "{\"text\":\"once\"}", .body_len = 15, .tag = (uint64_t)i,
                                      .total_timeout_ms = 10000};
        assert_int_equal(deliver_add(d, &req), 0);
        assert_int_equal(deliver_run_until(d, deliver_clock_ms() + 15000), 0);
        struct deliver_result r;
        assert_true(deliver_next_result(d, &r));
        assert_int_equal(r.error, DELIVER_OK);
        assert_int_equal(r.http_status, 200);
        deliver_result_free(&r);
    }
    deliver_free(d);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    char buf[16];
    ssize_t n = read(seen[0], buf, sizeof buf);
    close(seen[0]);
    assert_int_equal(n, 2);  /* two requests sent, two taken: none twice */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pagerduty_202),
        cmocka_unit_test(test_pagerduty_400_error_text),
        cmocka_unit_test(test_slack_ok_and_400),
        cmocka_unit_test(test_429_retry_after_seconds),
        cmocka_unit_test(test_429_retry_after_date),
        cmocka_unit_test(test_420_and_500_retry),
        cmocka_unit_test(test_never_answering_times_out),
        cmocka_unit_test(test_connection_refused_hides_url),
        cmocka_unit_test(test_refuses_bad_requests),
        cmocka_unit_test(test_statuspage_create_then_patch),
        cmocka_unit_test(test_webhook_json),
        cmocka_unit_test(test_large_reply_is_bounded),
        cmocka_unit_test(test_wait_covers_extra_descriptors),
        cmocka_unit_test(test_hundred_concurrent),
        cmocka_unit_test(test_post_never_resent_on_a_dead_reused_connection),
    };
    return cmocka_run_group_tests(tests, start_receiver, stop_receiver);
}
