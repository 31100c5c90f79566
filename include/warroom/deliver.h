/* deliver — HTTP requests that never block the caller.
 * A single-threaded engine on libcurl's multi interface, made to sit inside the
 * console's own wait: requests are added, driven by deliver_perform, and their
 * outcomes collected later; one deliver_wait covers the network and the
 * caller's own descriptors (keyboard, log watcher). What comes back from a
 * server is bounded, and error texts never contain the request's URL.
 * The engine owns copies of everything added; results belong to the caller. */
#ifndef WARROOM_DELIVER_H
#define WARROOM_DELIVER_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DELIVER_BODY_MAX (64 * 1024)   /* response bytes kept; the rest is dropped */
#define DELIVER_USER_AGENT "warroom/0.1"

struct deliver;

struct deliver_request {
    const char *method;              /* "POST", "PATCH", "PUT", "GET", "DELETE" */
    const char *url;                 /* http or https only */
    const char *const *headers;      /* "Name: value" lines */
    size_t n_headers;
    const char *body;                /* may be NULL for no body */
    size_t body_len;
    long connect_timeout_ms;         /* <= 0: 10 s */
    long total_timeout_ms;           /* <= 0: 30 s */
    uint64_t tag;                    /* the caller's, handed back in the result */
};

enum deliver_error {
    DELIVER_OK,        /* an HTTP response arrived, whatever its status */
    DELIVER_TIMEOUT,   /* connect or total timeout */
    DELIVER_CONNECT,   /* name resolution or connection failed */
    DELIVER_NETWORK,   /* the exchange broke off (send, receive, TLS handshake) */
    DELIVER_REFUSED,   /* the request itself cannot be made (URL, protocol, TLS setup) */
};

struct deliver_result {
    uint64_t tag;
    enum deliver_error error;
    long http_status;        /* 0 when no response */
    char *body;              /* NUL-terminated, at most DELIVER_BODY_MAX bytes; never NULL */
    size_t body_len;
    bool body_truncated;
    char *retry_after;       /* Retry-After value, cleaned; NULL when absent */
    char *error_text;        /* one clean line without the URL; NULL when DELIVER_OK */
};

void deliver_result_free(struct deliver_result *r);

/* Returns 0 with *OUT set, or < 0 with an error set. */
int deliver_new(struct deliver **out);

/* Abandons whatever is in flight and frees the engine; NULL is fine. */
void deliver_free(struct deliver *d);

/* Starts REQ (copied) without waiting for anything. Returns 0 or < 0. */
int deliver_add(struct deliver *d, const struct deliver_request *req);

/* Moves transfers along as far as they go without blocking and queues those
 * that finished. Returns how many are still in flight, or < 0. */
int deliver_perform(struct deliver *d);

/* Waits at most TIMEOUT_MS (< 0: no limit) for network activity or for one of
 * EXTRA (N entries, whose revents are filled in; may be NULL), so one wait
 * serves the keyboard, the log watcher and the network. A signal ends the wait
 * early without an error. Returns 0, or < 0 with an error set. Call
 * deliver_perform afterwards; wait no longer than deliver_next_timeout_ms
 * when the caller has deadlines of its own. */
int deliver_wait(struct deliver *d, struct pollfd *extra, size_t n, int timeout_ms);

/* How long the engine may wait before deliver_perform must run again: -1 when
 * it has no deadline of its own (nothing in flight). */
long deliver_next_timeout_ms(struct deliver *d);

/* Takes the next finished transfer, oldest first. Returns true with *OUT filled
 * (free with deliver_result_free), false when none is ready. */
bool deliver_next_result(struct deliver *d, struct deliver_result *out);

size_t deliver_in_flight(const struct deliver *d);

/* Fills TAGS (up to MAX) with the tags still in flight; returns how many there are. */
size_t deliver_in_flight_tags(const struct deliver *d, uint64_t *tags, size_t max);

/* Monotonic clock in ms, the one deliver_run_until's deadline is on. */
int64_t deliver_clock_ms(void);

/* For the command line: performs and waits until nothing is in flight or the
 * monotonic DEADLINE_MS passes. Finished transfers are queued for
 * deliver_next_result. Returns how many are still in flight, or < 0. */
int deliver_run_until(struct deliver *d, int64_t deadline_ms);

#endif
