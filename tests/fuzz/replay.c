/* A main() for the fuzz targets built without libFuzzer (make fuzz-cov):
 * feeds every file of the directories (or files) named on the command
 * line to LLVMFuzzerTestOneInput once, so a coverage build replays a
 * corpus. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Run the target over the file at path; 0, or -1 when it cannot be read. */
static int
replay_file(const char *path)
{
	FILE *f;
	uint8_t *data = NULL;
	long n;
	int rc = -1;

	if ((f = fopen(path, "rb")) == NULL)
		return -1;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0)
		goto out;
	/* One byte more, so an empty file is not a NULL buffer. */
	if ((data = malloc((size_t)n + 1)) == NULL)
		goto out;
	if (fread(data, 1, (size_t)n, f) != (size_t)n)
		goto out;
	LLVMFuzzerTestOneInput(data, (size_t)n);
	rc = 0;
out:
	free(data);
	fclose(f);
	return rc;
}

/* Run the target over every regular file of dir. */
static int
replay_dir(const char *dir)
{
	DIR *d;
	struct dirent *e;
	char path[4096];
	int rc = 0;

	if ((d = opendir(dir)) == NULL)
		return replay_file(dir);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (replay_file(path) != 0)
			rc = -1;
	}
	closedir(d);
	return rc;
}

int
main(int argc, char **argv)
{
	int i, rc = 0;

	for (i = 1; i < argc; i++)
		if (replay_dir(argv[i]) != 0) {
			fprintf(stderr, "replay: cannot read %s\n", argv[i]);
			rc = 1;
		}
	return rc;
}
