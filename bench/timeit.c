/* timeit: run a cycle of commands N times and print the median, min and max
 * wall time of each, in milliseconds, measured with CLOCK_MONOTONIC around
 * fork+exec+wait (no shell in between).
 *
 *   timeit [-n RUNS] [-w WARMUP] [-t TIMEOUT_S] -- LABEL CMD ARGS... :: LABEL CMD ARGS... [::]
 *
 * Each run executes the commands of the cycle in order. A LABEL starting with
 * '-' is run but not timed (setup/teardown steps). Output, one line per timed
 * label:   LABEL median_ms min_ms max_ms runs
 * Any command that exits non-zero, or takes longer than TIMEOUT_S (default 120,
 * then it is killed by PID), stops the whole thing with exit status 1. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct step {
    const char *label;
    char **argv;
    double *ms;
};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Runs argv, waits at most timeout_s; returns the elapsed ms or -1. */
static double run_one(char **argv, int timeout_s)
{
    double t0 = now_ms();
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        /* the commands' own output would only mix with ours */
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0)
            dup2(devnull, 1);
        execvp(argv[0], argv);
        fprintf(stderr, "timeit: exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    int status;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            break;
        if (r < 0 && errno != EINTR)
            return -1;
        if (now_ms() - t0 > timeout_s * 1e3) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            fprintf(stderr, "timeit: %s: timed out after %d s\n", argv[0], timeout_s);
            return -1;
        }
        /* short naps keep the overhead below 0.1 ms but do not spin */
        struct timespec nap = {0, 50000};
        nanosleep(&nap, NULL);
    }
    double t = now_ms() - t0;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "timeit: %s failed (status 0x%x)\n", argv[0], status);
        return -1;
    }
    return t;
}

static void usage(void)
{
    fprintf(stderr, "usage: timeit [-n RUNS] [-w WARMUP] [-t TIMEOUT_S] -- LABEL CMD ARGS... [:: LABEL CMD...]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    int runs = 5, warmup = 0, timeout_s = 120, opt;
    while ((opt = getopt(argc, argv, "+n:w:t:")) != -1) {
        switch (opt) {
        case 'n': runs = atoi(optarg); break;
        case 'w': warmup = atoi(optarg); break;
        case 't': timeout_s = atoi(optarg); break;
        default: usage();
        }
    }
    if (runs < 1 || runs > 100000 || warmup < 0 || timeout_s < 1 || optind >= argc)
        usage();

    struct step steps[64];
    int nsteps = 0;
    for (int i = optind; i < argc;) {
        if (nsteps == 64 || i + 1 >= argc)
            usage();
        steps[nsteps].label = argv[i];
        steps[nsteps].argv = &argv[i + 1];
        steps[nsteps].ms = calloc(runs, sizeof(double));
        int j = i + 1;
        while (j < argc && strcmp(argv[j], "::") != 0)
            j++;
        if (j < argc)
            argv[j] = NULL; /* terminates this step's argv */
        nsteps++;
        i = j + 1;
    }

    for (int r = -warmup; r < runs; r++) {
        for (int s = 0; s < nsteps; s++) {
            double t = run_one(steps[s].argv, timeout_s);
            if (t < 0) {
                fprintf(stderr, "timeit: step '%s' run %d failed\n", steps[s].label, r);
                return 1;
            }
            if (r >= 0)
                steps[s].ms[r] = t;
        }
    }
    for (int s = 0; s < nsteps; s++) {
        if (steps[s].label[0] == '-')
            continue;
        qsort(steps[s].ms, runs, sizeof(double), cmp_double);
        double med = runs % 2 ? steps[s].ms[runs / 2]
                              : (steps[s].ms[runs / 2 - 1] + steps[s].ms[runs / 2]) / 2;
        printf("%s %.3f %.3f %.3f %d\n", steps[s].label, med, steps[s].ms[0],
               steps[s].ms[runs - 1], runs);
        free(steps[s].ms);
    }
    return 0;
}
