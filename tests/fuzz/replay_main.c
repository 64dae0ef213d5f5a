/* Runs a fuzz target over files, without libFuzzer: the corpus and every
 * finding (tests/fuzz/corpus/NAME/) replayed in the ordinary build as a unit
 * test. A crash or abort fails it. Arguments: files or directories. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return -1;
    }
    size_t cap = 4096, len = 0;
    uint8_t *buf = malloc(cap);
    size_t n;
    while ((n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap)
            buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    LLVMFuzzerTestOneInput(buf, len);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    int files = 0, rc = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            struct dirent **names;
            int n = scandir(argv[i], &names, NULL, alphasort);
            for (int j = 0; j < n; j++) {
                if (names[j]->d_name[0] != '.') {
                    char path[4096];
                    snprintf(path, sizeof(path), "%s/%s", argv[i], names[j]->d_name);
                    rc |= replay_file(path) < 0;
                    files++;
                }
                free(names[j]);
            }
            free(names);
        } else {
            rc |= replay_file(argv[i]) < 0;
            files++;
        }
    }
    printf("replayed %d input(s)\n", files);
    return rc;
}
