/*
 * libGammu's speed on the codec benchmark corpus, for comparison with smsgw (benches/codec.rs)
 * and python-gsmmodem (bench/gsmmodem_bench.py); scripts/bench.sh runs all three.
 *
 *   gammu_bench CORPUS_DIR DELIVER_HEX_FILE [TARGET_SECONDS]
 *
 * For each text of the corpus (single-gsm7.txt, multi-gsm7.txt, ucs2.txt):
 *   encode-*: text (libGammu's own Unicode string) -> SMS-SUBMIT PDU octets, SMSC field included
 *             (GSM_EncodeMultiPartSMS, then GSM_EncodeSMSFrame with the Submit layout per part);
 *   decode-*: those PDU octets -> message with its text (GSM_DecodePDUFrame);
 * and decode-deliver: every PDU of DELIVER_HEX_FILE (one hex PDU per line) decoded.
 *
 * Prints one tab-separated line per operation: name, ns per PDU, PDUs per round, rounds timed.
 * Each operation runs ~TARGET_SECONDS (default 1) in 5 slices; the median slice is reported,
 * which keeps a busy machine's spikes out of the figure.
 */
#include <gammu.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SLICES 5
#define MAX_PDUS 64
#define MAX_PDU_OCTETS 256
#define TO "+491701234567"

static GSM_Debug_Info *di;
static volatile unsigned long sink; /* keeps results observable so no work is optimised away */

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

typedef int (*op_fn)(void *ctx); /* does one round, returns PDUs handled */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void measure(const char *name, op_fn fn, void *ctx, double target_s)
{
	/* Calibrate: rounds per slice so that one slice takes target/SLICES. */
	int pdus = fn(ctx);
	uint64_t rounds = 1, t;
	for (;;) {
		uint64_t t0 = now_ns();
		for (uint64_t i = 0; i < rounds; i++) fn(ctx);
		t = now_ns() - t0;
		if (t > 20000000u) break; /* 20 ms is enough to extrapolate */
		rounds *= 2;
	}
	rounds = (uint64_t)((double)rounds * (target_s / SLICES) * 1e9 / (double)t) + 1;
	uint64_t per_pdu[SLICES];
	for (int s = 0; s < SLICES; s++) {
		uint64_t t0 = now_ns();
		for (uint64_t i = 0; i < rounds; i++) fn(ctx);
		per_pdu[s] = (now_ns() - t0) / (rounds * (uint64_t)pdus);
	}
	qsort(per_pdu, SLICES, sizeof per_pdu[0], cmp_u64);
	printf("%s\t%llu\t%d\t%llu\n", name, (unsigned long long)per_pdu[SLICES / 2], pdus,
	       (unsigned long long)rounds * SLICES);
	fflush(stdout);
}

/* ---- encode / decode of one corpus text ---- */

struct text_case {
	unsigned char unicode[2 * 2048]; /* libGammu's UCS-2 (big endian) string, NUL terminated */
	gboolean ucs2;
	unsigned char pdus[MAX_PDUS][MAX_PDU_OCTETS];
	int lengths[MAX_PDUS];
	int count;
};

static GSM_MultiSMSMessage multi; /* large: kept out of the stack */
static GSM_SMSMessage decoded;

/*
 * GSM_EncodeSMSFrame fills libGammu's fixed phone layout (every field at a fixed offset); the wire
 * PDU is those fields packed back to back, which is what libGammu's AT driver and its Python
 * binding do after encoding. Returns the PDU length.
 */
static int submit_to_wire(const unsigned char *frame, int frame_len, unsigned char *out)
{
	const GSM_SMSMessageLayout *l = &PHONE_SMSSubmit;
	int n = 0, text_len = frame_len - l->Text;
	for (int i = 0; i < frame[l->SMSCNumber] + 1; i++) out[n++] = frame[l->SMSCNumber + i];
	out[n++] = frame[l->firstbyte];
	out[n++] = frame[l->TPMR];
	for (int i = 0; i < (frame[l->Number] + 1) / 2 + 2; i++) out[n++] = frame[l->Number + i];
	out[n++] = frame[l->TPPID];
	out[n++] = frame[l->TPDCS];
	out[n++] = frame[l->TPVP];
	out[n++] = frame[l->TPUDL];
	memcpy(out + n, frame + l->Text, (size_t)text_len);
	return n + text_len;
}

static int encode_once(struct text_case *c, int keep)
{
	GSM_MultiPartSMSInfo info;
	GSM_ClearMultiPartSMSInfo(&info);
	info.Class = -1;
	info.UnicodeCoding = c->ucs2;
	info.EntriesNum = 1;
	info.Entries[0].ID = SMS_ConcatenatedTextLong;
	info.Entries[0].Buffer = c->unicode;
	if (GSM_EncodeMultiPartSMS(di, &info, &multi) != ERR_NONE) {
		fprintf(stderr, "gammu_bench: GSM_EncodeMultiPartSMS failed\n");
		exit(1);
	}
	for (int i = 0; i < multi.Number; i++) {
		GSM_SMSMessage *sms = &multi.SMS[i];
		unsigned char frame[1000], pdu[MAX_PDU_OCTETS];
		int frame_len = 0;
		sms->PDU = SMS_Submit;
		sms->SMSC.Location = 0;
		sms->SMSC.Number[0] = sms->SMSC.Number[1] = 0;
		EncodeUnicode(sms->Number, TO, strlen(TO));
		if (GSM_EncodeSMSFrame(di, sms, frame, PHONE_SMSSubmit, &frame_len, TRUE) != ERR_NONE) {
			fprintf(stderr, "gammu_bench: GSM_EncodeSMSFrame failed\n");
			exit(1);
		}
		int len = submit_to_wire(frame, frame_len, pdu);
		sink += (unsigned long)len + pdu[len - 1];
		if (keep) {
			memcpy(c->pdus[i], pdu, (size_t)len);
			c->lengths[i] = len;
		}
	}
	if (keep) c->count = multi.Number;
	return multi.Number;
}

/* The parts decode back to the text: the benchmark measures working code. */
static void check_round_trip(struct text_case *c, const char *name)
{
	unsigned char joined[sizeof c->unicode];
	size_t at = 0;
	for (int i = 0; i < c->count; i++) {
		size_t end = 0, n;
		if (GSM_DecodePDUFrame(di, &decoded, c->pdus[i], (size_t)c->lengths[i], &end, TRUE) != ERR_NONE) {
			fprintf(stderr, "gammu_bench: %s part %d does not decode\n", name, i + 1);
			exit(1);
		}
		n = UnicodeLength(decoded.Text) * 2;
		memcpy(joined + at, decoded.Text, n);
		at += n;
	}
	joined[at] = joined[at + 1] = 0;
	if (UnicodeLength(joined) != UnicodeLength(c->unicode) || memcmp(joined, c->unicode, at) != 0) {
		fprintf(stderr, "gammu_bench: %s does not decode to its text\n", name);
		exit(1);
	}
}

static int encode_op(void *ctx) { return encode_once(ctx, 0); }

static int decode_op(void *ctx)
{
	struct text_case *c = ctx;
	for (int i = 0; i < c->count; i++) {
		size_t end = 0;
		if (GSM_DecodePDUFrame(di, &decoded, c->pdus[i], (size_t)c->lengths[i], &end, TRUE) != ERR_NONE) {
			fprintf(stderr, "gammu_bench: GSM_DecodePDUFrame failed on its own PDU\n");
			exit(1);
		}
		sink += (unsigned long)decoded.Length + decoded.Text[0];
	}
	return c->count;
}

/* ---- DELIVER vectors ---- */

struct vectors {
	unsigned char pdus[256][MAX_PDU_OCTETS];
	size_t lengths[256];
	int count;
};

static int deliver_op(void *ctx)
{
	struct vectors *v = ctx;
	for (int i = 0; i < v->count; i++) {
		size_t end = 0;
		if (GSM_DecodePDUFrame(di, &decoded, v->pdus[i], v->lengths[i], &end, TRUE) != ERR_NONE) {
			fprintf(stderr, "gammu_bench: vector %d does not decode\n", i + 1);
			exit(1);
		}
		sink += (unsigned long)decoded.Length + decoded.Text[0];
	}
	return v->count;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		exit(1);
	}
	static char buf[1 << 20];
	*len = fread(buf, 1, sizeof buf - 1, f);
	buf[*len] = 0;
	fclose(f);
	char *copy = malloc(*len + 1);
	memcpy(copy, buf, *len + 1);
	return copy;
}

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9') return ch - '0';
	if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
	return -1;
}

static void load_vectors(const char *path, struct vectors *v)
{
	size_t len;
	char *text = read_file(path, &len);
	v->count = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		size_t n = strlen(line);
		if (n == 0) continue;
		if (n % 2 || n / 2 > MAX_PDU_OCTETS || v->count == 256) {
			fprintf(stderr, "gammu_bench: bad line in %s\n", path);
			exit(1);
		}
		for (size_t i = 0; i < n / 2; i++) {
			int hi = hexval(line[2 * i]), lo = hexval(line[2 * i + 1]);
			if (hi < 0 || lo < 0) {
				fprintf(stderr, "gammu_bench: bad hex in %s\n", path);
				exit(1);
			}
			v->pdus[v->count][i] = (unsigned char)(hi << 4 | lo);
		}
		v->lengths[v->count++] = n / 2;
	}
	free(text);
}

static gboolean needs_ucs2(const char *name) { return strstr(name, "ucs2") != NULL; }

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s CORPUS_DIR DELIVER_HEX_FILE [TARGET_SECONDS]\n", argv[0]);
		return 2;
	}
	double target = argc > 3 ? atof(argv[3]) : 1.0;
	di = GSM_GetGlobalDebug();
	GSM_SetDebugLevel("nothing", di);

	static const char *names[] = {"single-gsm7", "multi-gsm7", "ucs2"};
	static struct text_case cases[3];
	for (int k = 0; k < 3; k++) {
		char path[4096], op[64];
		size_t len;
		snprintf(path, sizeof path, "%s/%s.txt", argv[1], names[k]);
		char *utf8 = read_file(path, &len);
		DecodeUTF8(cases[k].unicode, utf8, len);
		free(utf8);
		cases[k].ucs2 = needs_ucs2(names[k]);
		encode_once(&cases[k], 1);
		check_round_trip(&cases[k], names[k]);
		snprintf(op, sizeof op, "encode-%s", names[k]);
		measure(op, encode_op, &cases[k], target);
		snprintf(op, sizeof op, "decode-%s", names[k]);
		measure(op, decode_op, &cases[k], target);
	}
	static struct vectors v;
	load_vectors(argv[2], &v);
	measure("decode-deliver", deliver_op, &v, target);
	return 0;
}
