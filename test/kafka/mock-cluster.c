/*
 * mock-cluster: starts librdkafka's mock Kafka cluster (rdkafka_mock.h, from
 * Debian's librdkafka-dev) on 127.0.0.1 for Satellite's Kafka tests and
 * benchmark, and drives its fault injection from stdin.
 *
 *   mock-cluster [-b BROKERS] [-t TOPIC:PARTITIONS[:REPLICATION]]...
 *
 * Prints one line, the bootstrap servers ("127.0.0.1:PORT,..."), then reads
 * one command per line and answers each with one line, "ok ..." or
 * "error ...":
 *
 *   down ID | up ID            broker ID (or -1 for all) refuses / accepts connections
 *   rtt ID MS                  delays broker ID's responses by MS milliseconds
 *   topic NAME PARTS [REPL]    creates a topic (Kafka's CreateTopics is not supported by the mock)
 *   leader TOPIC PART ID       moves a partition's leadership to broker ID
 *   errors APIKEY ERR...       the next requests of that ApiKey fail with these error codes
 *   slow ID APIKEY ERR MS...   broker ID answers its next requests of that ApiKey with (error, delay
 *                              in ms) pairs; error 0 with a delay = handled, answered late
 *   clear APIKEY               drops pending injected errors for that ApiKey
 *   coordinator GROUP ID       makes broker ID the coordinator of consumer group GROUP
 *   quit                       stops the cluster and exits 0 (so does end of input)
 *
 * Compiled by test/kafka/mock-cluster.ts: gcc -O2 mock-cluster.c -lrdkafka.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#define MAX_ERRORS 64

static rd_kafka_mock_cluster_t *mcluster;
static int broker_cnt = 3;

/* Creates a topic, printing an error line on failure; returns 0 on success. */
static int create_topic(const char *name, int partitions, int replication) {
  if (partitions < 1 || replication < 1 || replication > broker_cnt) {
    printf("error topic %s: needs partitions >= 1 and 1 <= replication <= %d brokers\n", name, broker_cnt);
    return -1;
  }
  rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(mcluster, name, partitions, replication);
  if (err) {
    printf("error topic %s: %s\n", name, rd_kafka_err2str(err));
    return -1;
  }
  return 0;
}

static int topic_from_arg(char *spec) {
  char *first = strchr(spec, ':');
  int partitions = 6, replication = broker_cnt < 3 ? broker_cnt : 3;
  if (first) {
    *first = '\0';
    char *second = strchr(first + 1, ':');
    if (second) {
      *second = '\0';
      replication = atoi(second + 1);
    }
    partitions = atoi(first + 1);
  }
  return create_topic(spec, partitions, replication);
}

static void answer(rd_kafka_resp_err_t err, const char *line) {
  if (err) printf("error %s: %s\n", line, rd_kafka_err2str(err));
  else printf("ok %s\n", line);
}

/* Runs one command line (without its newline) and prints the answer. */
static int run_command(char *line) {
  char copy[1024];
  snprintf(copy, sizeof copy, "%s", line);
  char *argv[MAX_ERRORS + 3];
  int argc = 0;
  for (char *tok = strtok(line, " \t"); tok && argc < MAX_ERRORS + 3; tok = strtok(NULL, " \t")) argv[argc++] = tok;
  if (argc == 0) return 0;
  const char *cmd = argv[0];
  if (!strcmp(cmd, "quit")) {
    printf("ok quit\n");
    return 1;
  } else if (!strcmp(cmd, "down") && argc == 2) {
    answer(rd_kafka_mock_broker_set_down(mcluster, atoi(argv[1])), copy);
  } else if (!strcmp(cmd, "up") && argc == 2) {
    answer(rd_kafka_mock_broker_set_up(mcluster, atoi(argv[1])), copy);
  } else if (!strcmp(cmd, "rtt") && argc == 3) {
    answer(rd_kafka_mock_broker_set_rtt(mcluster, atoi(argv[1]), atoi(argv[2])), copy);
  } else if (!strcmp(cmd, "topic") && (argc == 3 || argc == 4)) {
    int replication = argc == 4 ? atoi(argv[3]) : (broker_cnt < 3 ? broker_cnt : 3);
    if (create_topic(argv[1], atoi(argv[2]), replication) == 0) printf("ok %s\n", copy);
  } else if (!strcmp(cmd, "leader") && argc == 4) {
    answer(rd_kafka_mock_partition_set_leader(mcluster, argv[1], atoi(argv[2]), atoi(argv[3])), copy);
  } else if (!strcmp(cmd, "errors") && argc >= 3) {
    rd_kafka_resp_err_t errors[MAX_ERRORS];
    size_t cnt = 0;
    for (int i = 2; i < argc && cnt < MAX_ERRORS; i++) errors[cnt++] = (rd_kafka_resp_err_t)atoi(argv[i]);
    rd_kafka_mock_push_request_errors_array(mcluster, (int16_t)atoi(argv[1]), cnt, errors);
    printf("ok %s\n", copy);
  } else if (!strcmp(cmd, "slow") && argc >= 5 && argc % 2 == 1) {
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
    for (int i = 3; i + 1 < argc && !err; i += 2) {
      err = rd_kafka_mock_broker_push_request_error_rtts(mcluster, atoi(argv[1]), (int16_t)atoi(argv[2]), 1,
                                                         (rd_kafka_resp_err_t)atoi(argv[i]), atoi(argv[i + 1]));
    }
    answer(err, copy);
  } else if (!strcmp(cmd, "clear") && argc == 2) {
    rd_kafka_mock_clear_request_errors(mcluster, (int16_t)atoi(argv[1]));
    printf("ok %s\n", copy);
  } else if (!strcmp(cmd, "coordinator") && argc == 3) {
    answer(rd_kafka_mock_coordinator_set(mcluster, "group", argv[1], atoi(argv[2])), copy);
  } else {
    printf("error unknown command: %s\n", copy);
  }
  return 0;
}

int main(int argc, char **argv) {
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "-b")) broker_cnt = atoi(argv[i + 1]);
  }
  if (broker_cnt < 1) {
    fprintf(stderr, "mock-cluster: -b needs a positive broker count\n");
    return 2;
  }

  char errstr[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  /* The handle only hosts the mock cluster; keep its "no bootstrap.servers" warning quiet. */
  rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!rk) {
    fprintf(stderr, "mock-cluster: rd_kafka_new: %s\n", errstr);
    return 1;
  }
  mcluster = rd_kafka_mock_cluster_new(rk, broker_cnt);
  if (!mcluster) {
    fprintf(stderr, "mock-cluster: rd_kafka_mock_cluster_new failed\n");
    rd_kafka_destroy(rk);
    return 1;
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "-t") && topic_from_arg(argv[i + 1]) != 0) {
      fflush(stdout);
      fprintf(stderr, "mock-cluster: bad topic spec %s\n", argv[i + 1]);
      return 2;
    }
  }
  printf("%s\n", rd_kafka_mock_cluster_bootstraps(mcluster));

  char line[1024];
  while (fgets(line, sizeof line, stdin)) {
    line[strcspn(line, "\r\n")] = '\0';
    if (run_command(line)) break;
  }
  rd_kafka_mock_cluster_destroy(mcluster);
  rd_kafka_destroy(rk);
  return 0;
}
