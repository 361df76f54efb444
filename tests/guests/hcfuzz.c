// SPDX-License-Identifier: MIT
/*
 * hcfuzz: proves the hypercall layer rejects garbage cleanly. With a fixed
 * seed (so a failure replays exactly) it makes ~20000 calls: unknown call
 * numbers, and valid calls with arguments that must fail (lengths over
 * BH_CONSOLE_WRITE_MAX, buffers beyond or straddling the end of RAM, vCPUs
 * out of range or already running, huge counts). Each must return one of
 * the documented negative codes; the hypervisor must neither crash, nor
 * hang, nor write outside the buffer it was given. A few calls with valid
 * buffers (in a scratch area above the image) must succeed.
 *
 * Never called: POWEROFF and REBOOT. No pointer handed over ever covers
 * the guest's own code, data or stack, so even a hypervisor that wrongly
 * accepts a call cannot corrupt this guest before it reports.
 */
#include "rt.h"

#define ITERATIONS 20000
#define SEED	   0x42756c6b68656164ull /* "Bulkhead" */
#define STACK_SIZE 4096

enum expect {
	EXPECT_ERROR,	  /* a documented error code */
	EXPECT_OK_OR_ERR, /* success (>= 0 and <= ok_max) or a documented error */
};

struct fuzz_call {
	const char *what;
	unsigned long nr, a[6];
	enum expect expect;
	long ok_max;
};

static struct bh_partition_info info;
static uint64_t scratch; /* guest-physical, 1 MiB above the image */
static uint8_t vcpu_stack[STACK_SIZE] __aligned(16);
static struct rng rng;

static bool documented_error(long r)
{
	switch (-r) {
	case BH_EPERM:
	case BH_ENOENT:
	case BH_EFAULT:
	case BH_EBUSY:
	case BH_EINVAL:
	case BH_ENOSYS:
		return true;
	default:
		return false;
	}
}

/* Somewhere at or past the end of RAM, including wrap-around values. */
static uint64_t bad_gpa(void)
{
	uint64_t mem = info.memory_bytes;

	switch (rng_next(&rng) % 5) {
	case 0:
		return mem + rng_range(&rng, 0, KiB(64));
	case 1:
		return mem + (rng_next(&rng) % GiB(4));
	case 2:
		return ~0ull - rng_range(&rng, 0, KiB(8));
	case 3:
		return 1ull << rng_range(&rng, 33, 64);
	default:
		return rng_range(&rng, mem, ~0ull);
	}
}

/* A buffer of `size` bytes starting inside RAM and ending beyond it. */
static uint64_t straddling_gpa(uint64_t size)
{
	return info.memory_bytes - rng_range(&rng, 1, size);
}

static void make_call(struct fuzz_call *c)
{
	uint64_t r = rng_next(&rng);
	uint64_t entry = (uintptr_t)guest_secondary_entry;
	uint64_t sp = (uintptr_t)vcpu_stack + STACK_SIZE;

	*c = (struct fuzz_call){.expect = EXPECT_ERROR};
	for (unsigned int i = 0; i < 6; i++)
		c->a[i] = rng_next(&rng);

	switch (r % 12) {
	case 0:
	case 1:
		c->what = "unknown call number";
		c->nr = rng_range(&rng, BH_HC_COUNT, 1ull << 32);
		break;
	case 2:
		/* A valid number in the low half: RAX is 64 bits, not EAX. */
		c->what = "call number above 32 bits";
		c->nr = (rng_range(&rng, 1, 1ull << 32) << 32) |
			((r >> 8) & 1 ? BH_HC_VERSION : BH_HC_YIELD);
		break;
	case 3:
		c->what = "console write longer than BH_CONSOLE_WRITE_MAX";
		c->nr = BH_HC_CONSOLE_WRITE;
		c->a[0] = scratch;
		if ((r >> 8) & 1)
			c->a[1] = rng_range(&rng, BH_CONSOLE_WRITE_MAX + 1, MiB(1));
		else
			c->a[1] = rng_range(&rng, BH_CONSOLE_WRITE_MAX + 1, ~0ull);
		break;
	case 4:
		c->what = "console write beyond RAM";
		c->nr = BH_HC_CONSOLE_WRITE;
		c->a[0] = bad_gpa();
		c->a[1] = rng_range(&rng, 1, BH_CONSOLE_WRITE_MAX + 1);
		break;
	case 5:
		c->what = "console write straddling the end of RAM";
		c->nr = BH_HC_CONSOLE_WRITE;
		c->a[1] = rng_range(&rng, 2, BH_CONSOLE_WRITE_MAX + 1);
		c->a[0] = straddling_gpa(c->a[1]);
		break;
	case 6:
		c->what = "partition info beyond RAM";
		c->nr = BH_HC_PARTITION_INFO;
		c->a[0] = bad_gpa();
		break;
	case 7:
		c->what = "partition info straddling the end of RAM";
		c->nr = BH_HC_PARTITION_INFO;
		c->a[0] = straddling_gpa(sizeof(struct bh_partition_info));
		break;
	case 8:
		/* Out of range, including values whose low 32 bits are in range. */
		c->what = "vcpu start out of range";
		c->nr = BH_HC_VCPU_START;
		c->a[0] = rng_range(&rng, info.vcpu_count, ~0ull);
		c->a[1] = entry;
		c->a[2] = sp;
		c->a[3] = 0;
		break;
	case 9:
		c->what = "vcpu start of the running vCPU 0";
		c->nr = BH_HC_VCPU_START;
		c->a[0] = 0;
		c->a[1] = entry;
		c->a[2] = sp;
		c->a[3] = 0;
		break;
	case 10:
		c->what = "stats beyond or straddling RAM";
		c->nr = BH_HC_STATS;
		c->a[1] = rng_range(&rng, 1, (r >> 8) & 1 ? RT_MAX_VCPUS + 1 : ~0ull);
		if ((r >> 9) & 1)
			c->a[0] = bad_gpa();
		else
			c->a[0] = straddling_gpa(sizeof(struct bh_vcpu_stats));
		break;
	default:
		/*
		 * Valid buffer, any count: a hypervisor may fill min(count,
		 * vCPUs) entries or refuse a count it cannot fit. The scratch
		 * area has room for RT_MAX_VCPUS entries and more.
		 */
		c->what = "stats into scratch with a random count";
		c->nr = BH_HC_STATS;
		c->a[0] = scratch;
		c->a[1] = rng_range(&rng, 1, ~0ull);
		c->expect = EXPECT_OK_OR_ERR;
		c->ok_max = info.vcpu_count;
		break;
	}
}

static bool result_ok(const struct fuzz_call *c, long r)
{
	if (r < 0)
		return documented_error(r);
	return c->expect == EXPECT_OK_OR_ERR && r <= c->ok_max;
}

void guest_main(void)
{
	struct fuzz_call c;
	struct bh_partition_info *sinfo;
	unsigned int bad = 0;
	long r;

	guest_info(&info);
	scratch = ALIGN_UP(guest_free_base(), MiB(1));
	sinfo = (struct bh_partition_info *)(uintptr_t)scratch;
	if (info.memory_bytes < scratch + MiB(1)) {
		GUEST_FAIL("hcfuzz-memory", "needs %lu MiB of RAM",
			   (unsigned long)((scratch + MiB(1)) >> 20));
		bh_poweroff();
	}
	rng_seed(&rng, SEED);

	for (unsigned int i = 0; i < ITERATIONS; i++) {
		make_call(&c);
		r = bh_hypercall(c.nr, c.a[0], c.a[1], c.a[2], c.a[3], c.a[4], c.a[5]);
		if (result_ok(&c, r))
			continue;
		if (!bad++)
			GUEST_FAIL("hcfuzz-rejects",
				   "call %u (%s): nr %#lx (%#lx, %#lx, %#lx, %#lx) "
				   "returned %ld",
				   i, c.what, c.nr, c.a[0], c.a[1], c.a[2], c.a[3], r);
	}
	if (!bad) {
		gprintf("hcfuzz: %u calls, all rejected cleanly\n", ITERATIONS);
		GUEST_PASS("hcfuzz-rejects");
	} else {
		gprintf("hcfuzz: %u calls, %u unexpected results\n", ITERATIONS, bad);
	}

	/* Still a working partition afterwards: valid calls give valid answers. */
	GUEST_CHECK("hcfuzz-version-after", bh_version() == BH_ABI_VERSION);
	r = bh_partition_info(sinfo);
	GUEST_CHECK("hcfuzz-info-after", r == 0 && sinfo->partition_id == info.partition_id &&
					     sinfo->memory_bytes == info.memory_bytes &&
					     sinfo->vcpu_count == info.vcpu_count);
	guest_done();
}
