/* SPDX-License-Identifier: MIT */
#include "vdev/platform.h"
#include "arch/x86/cpu.h"
#include "arch/x86/rtc.h"
#include "arch/x86/trap.h"
#include "arch/x86/tsc.h"
#include "arch/x86/virt.h"
#include "core/gmem.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/partition.h"
#include "core/sched.h"
#include "lib/errno.h"
#include "lib/spinlock.h"
#include "lib/string.h"
#include "vdev/acpi_tables.h"
#include "vdev/kvmclock.h"
#include "vdev/pvpanic.h"
#include "vdev/vioapic.h"
#include "vdev/vlapic.h"
#include "vdev/vpci.h"
#include "vdev/vpic.h"
#include "vdev/vpit.h"
#include "vdev/vpmtimer.h"
#include "vdev/vrtc.h"
#include "vdev/vuart.h"

/* ISA interrupt lines (the PC's fixed wiring) and their I/O APIC pins. */
#define IRQ_PIT 0
#define IRQ_COM1 4
#define IRQ_RTC 8
#define PIN_PIT 2 /* the MADT's interrupt source override IRQ0 -> GSI2 */
#define ISA_IRQS 16

/* Ports (docs/virtual-platform.md has the full map). */
#define PORT_PIC_MASTER 0x20
#define PORT_PIC_SLAVE 0xA0
#define PORT_PIC_ELCR 0x4D0
#define PORT_PIT 0x40
#define PORT_PIT_COUNT 4
#define PORT_NMI_SC 0x61
#define PORT_RTC 0x70
#define PORT_KBC_DATA 0x60
#define PORT_KBC_CMD 0x64
#define PORT_POST 0x80
#define PORT_SYSCTL_A 0x92
#define PORT_PCI 0xCF8
#define PORT_PCI_COUNT 8
#define PORT_RESET_CTL 0xCF9
#define PORT_COM1 0x3F8

/* Reset paths (ICH9 datasheet 13.7.5 RST_CNT; 8042 command 0xFE; port 92h bit 0). */
#define RST_CNT_SYS_RST 0x02
#define RST_CNT_RST_CPU 0x04
#define KBC_CMD_RESET 0xFE
#define KBC_STATUS_IDLE 0x00 /* output buffer empty, input buffer empty */
#define SYSCTL_A_RESET 0x01
#define SYSCTL_A_A20 0x02

#define ACPI_AREA_SIZE PARTITION_ACPI_AREA
/*
 * The I/O APIC's id. Its register has 4 bits, and I/O APIC and local APIC
 * ids have been separate name spaces since the APIC bus went away, so 0
 * is fine whatever the vCPU count.
 */
#define PLATFORM_IOAPIC_ID 0
/* Guest RAM ends below the first device window (ECAM); RAM above 4 GiB comes later. */
#define PLATFORM_RAM_LIMIT PARTITION_ECAM_BASE
#define ECAM_BUS_END (PARTITION_ECAM_BUSES - 1)
#define NS_PER_SEC 1000000000ull
#define ALL_ONES 0xFFFFFFFFFFFFFFFFull
#define UNBACKED_LOG_LIMIT 8

/* Requests from device writes, acted on at the next vCPU entry (not under the lock). */
enum power_req { POWER_NONE, POWER_OFF, POWER_REBOOT, POWER_CRASH };

struct platform;

struct lapic_ctx {
	struct platform *plat;
	unsigned int index;
};

struct platform {
	struct partition *p;
	spinlock_t lock;
	struct vpic pic;
	struct vioapic ioapic;
	struct vpit pit;
	struct vrtc rtc;
	struct vpmtimer pmt;
	struct vuart uart;
	struct vpci pci;
	struct pvpanic pvpanic;
	struct vlapic *lapic;
	struct lapic_ctx *lapic_ctx;
	bool *nmi;
	/*
	 * Device time is only run forward when something can have changed:
	 * a guest access to a device (gen counts them), the vCPU's cached
	 * next event passing, or console input waiting.
	 */
	uint64_t gen;
	uint64_t *seen_gen;
	uint64_t *next_event;
	/* KVM's clock MSRs (vdev/kvmclock.h): per vCPU, and the partition's one. */
	uint64_t *kvmclock_system_time;
	uint64_t kvmclock_wall_clock;
	struct kvmclock_scale kvmclock_scale;
	uint8_t sysctl_a, reset_ctl;
	uint16_t pm1_sts, pm1_en, pm1_cnt;
	enum power_req power;
	uint64_t rsdp;
	bool testdev;
	uint8_t testdev_mem[PLATFORM_TESTDEV_SIZE];
	uint64_t testdev_accesses;
};

static uint64_t now_ns(void)
{
	return tsc_ns_since_boot();
}

static struct platform *plat_of(struct vcpu *v)
{
	return v->part->platform;
}

static void kick(struct vcpu *v)
{
	sched_kick(v->pcpu);
}

/* --- interrupt routing ---------------------------------------------------- */

static void deliver_fixed(struct platform *pl, unsigned int i, uint8_t vector, bool level)
{
	if (vlapic_accept(&pl->lapic[i], vector, level))
		kick(&pl->p->vcpus[i]);
}

static int ioapic_deliver(void *ctx, const struct vioapic_msg *m)
{
	struct platform *pl = ctx;
	int delivered = -ENOENT;

	for (unsigned int i = 0; i < pl->p->nvcpus; i++) {
		if (!vlapic_match_addr(&pl->lapic[i], m->dest, m->logical, false))
			continue;
		switch (m->delivery_mode) {
		case VIOAPIC_DM_FIXED:
		case VIOAPIC_DM_LOWPRI:
			deliver_fixed(pl, i, m->vector, m->level);
			break;
		case VIOAPIC_DM_NMI:
			pl->nmi[i] = true;
			kick(&pl->p->vcpus[i]);
			break;
		default:
			break;
		}
		delivered = 0;
		/* Lowest priority: the first match takes it (documented). */
		if (m->delivery_mode == VIOAPIC_DM_LOWPRI)
			break;
	}
	return delivered;
}

/* An ISA device's line: to the PIC, and to the I/O APIC pin it is wired to. */
static void isa_irq_set(void *ctx, unsigned int line, bool level)
{
	struct platform *pl = ctx;

	if (line >= ISA_IRQS)
		return;
	vpic_set_irq(&pl->pic, line, level);
	vioapic_set_irq(&pl->ioapic, line == IRQ_PIT ? PIN_PIT : line, level);
}

/* The PIC's INTR output is wired to LINT0 of vCPU 0 (virtual wire mode). */
static void pic_intr_set(void *ctx, unsigned int line, bool level)
{
	struct platform *pl = ctx;
	enum vlapic_lint_event ev = vlapic_set_lint(&pl->lapic[0], 0, level);

	if (ev == VLAPIC_LINT_NMI)
		pl->nmi[0] = true;
	if (ev != VLAPIC_LINT_NONE)
		kick(&pl->p->vcpus[0]);
}

static int lapic_send_ipi(void *ctx, const struct vlapic_ipi *ipi)
{
	struct lapic_ctx *lc = ctx;
	struct platform *pl = lc->plat;
	struct vlapic *src = &pl->lapic[lc->index];

	for (unsigned int i = 0; i < pl->p->nvcpus; i++) {
		struct vcpu *t = &pl->p->vcpus[i];

		if (!vlapic_match_dest(&pl->lapic[i], ipi, src))
			continue;
		switch (ipi->delivery) {
		case VLAPIC_DM_FIXED:
			deliver_fixed(pl, i, ipi->vector, ipi->trigger_level);
			break;
		case VLAPIC_DM_LOWEST:
			deliver_fixed(pl, i, ipi->vector, ipi->trigger_level);
			return 0;
		case VLAPIC_DM_NMI:
			pl->nmi[i] = true;
			kick(t);
			break;
		case VLAPIC_DM_INIT:
			__atomic_store_n(&t->init_pending, true, __ATOMIC_RELEASE);
			kick(t);
			break;
		case VLAPIC_DM_STARTUP:
			/* Only a CPU waiting for SIPI (after INIT) starts; others ignore it. */
			if (t->state == VCPU_OFFLINE && !t->start_pending) {
				t->start_sipi = true;
				t->start_vector = ipi->vector;
				__atomic_store_n(&t->start_pending, true, __ATOMIC_RELEASE);
				kick(t);
			}
			break;
		default:
			break; /* SMI and INIT de-assert: nothing to do */
		}
	}
	return 0;
}

static void lapic_eoi(void *ctx, uint8_t vector)
{
	struct lapic_ctx *lc = ctx;

	vioapic_eoi(&lc->plat->ioapic, vector);
}

/* --- ports -------------------------------------------------------------- */

/*
 * The PC's legacy devices are 8 bits wide: a 16- or 32-bit IN or OUT
 * reaches port, port + 1, ... one byte each, as on the ISA bus.
 */
typedef int (*byte_in_fn)(struct platform *pl, uint16_t port, uint8_t *val);
typedef int (*byte_out_fn)(struct platform *pl, uint16_t port, uint8_t val);

static int split_read(struct platform *pl, uint16_t port, unsigned int size, uint32_t *val,
		      byte_in_fn fn)
{
	pl->gen++;
	uint32_t out = 0;

	for (unsigned int i = 0; i < size; i++) {
		uint8_t b = 0xFF;
		int rc = fn(pl, (uint16_t)(port + i), &b);

		if (rc)
			return rc;
		out |= (uint32_t)b << (8 * i);
	}
	*val = out;
	return 0;
}

static int split_write(struct platform *pl, uint16_t port, unsigned int size, uint32_t val,
		       byte_out_fn fn)
{
	pl->gen++;
	for (unsigned int i = 0; i < size; i++) {
		int rc = fn(pl, (uint16_t)(port + i), (uint8_t)(val >> (8 * i)));

		if (rc)
			return rc;
	}
	return 0;
}

static int pic_in(struct platform *pl, uint16_t port, uint8_t *val)
{
	return vpic_io_read(&pl->pic, port, val);
}

static int pic_out(struct platform *pl, uint16_t port, uint8_t val)
{
	return vpic_io_write(&pl->pic, port, val);
}

static int pic_read(void *dev, struct vcpu *v, uint16_t port, unsigned int size, uint32_t *val)
{
	return split_read(dev, port, size, val, pic_in);
}

static int pic_write(void *dev, struct vcpu *v, uint16_t port, unsigned int size, uint32_t val)
{
	return split_write(dev, port, size, val, pic_out);
}

static const struct io_port_ops pic_ops = {pic_read, pic_write};

static int pit_in(struct platform *pl, uint16_t port, uint8_t *val)
{
	if (!vpit_claims_port(port))
		return -ENOENT;
	*val = vpit_io_read(&pl->pit, port, now_ns());
	return 0;
}

static int pit_out(struct platform *pl, uint16_t port, uint8_t val)
{
	if (!vpit_claims_port(port))
		return -ENOENT;
	vpit_io_write(&pl->pit, port, val, now_ns());
	return 0;
}

static int pit_read(void *dev, struct vcpu *v, uint16_t port, unsigned int size, uint32_t *val)
{
	return split_read(dev, port, size, val, pit_in);
}

static int pit_write(void *dev, struct vcpu *v, uint16_t port, unsigned int size, uint32_t val)
{
	struct platform *pl = dev;
	int rc = split_write(pl, port, size, val, pit_out);

	/* The PIT's next event may be sooner now: vCPU 0's CPU keeps its time. */
	kick(&pl->p->vcpus[0]);
	return rc;
}

static const struct io_port_ops pit_ops = {pit_read, pit_write};

static int rtc_in(struct platform *pl, uint16_t port, uint8_t *val)
{
	if (!vrtc_claims_port(port))
		return -ENOENT;
	*val = vrtc_io_read(&pl->rtc, port, now_ns());
	return 0;
}

static int rtc_out(struct platform *pl, uint16_t port, uint8_t val)
{
	if (!vrtc_claims_port(port))
		return -ENOENT;
	vrtc_io_write(&pl->rtc, port, val, now_ns());
	return 0;
}

static int rtc_read(void *dev, struct vcpu *v, uint16_t port, unsigned int size, uint32_t *val)
{
	return split_read(dev, port, size, val, rtc_in);
}

static int rtc_write(void *dev, struct vcpu *v, uint16_t port, unsigned int size, uint32_t val)
{
	struct platform *pl = dev;
	int rc = split_write(pl, port, size, val, rtc_out);

	kick(&pl->p->vcpus[0]);
	return rc;
}

static const struct io_port_ops rtc_ops = {rtc_read, rtc_write};

static int uart_in(struct platform *pl, uint16_t port, uint8_t *val)
{
	return vuart_io_read(&pl->uart, (uint16_t)(port - PORT_COM1), val);
}

static int uart_out(struct platform *pl, uint16_t port, uint8_t val)
{
	return vuart_io_write(&pl->uart, (uint16_t)(port - PORT_COM1), val);
}

static int uart_read(void *dev, struct vcpu *v, uint16_t port, unsigned int size, uint32_t *val)
{
	return split_read(dev, port, size, val, uart_in);
}

static int uart_write(void *dev, struct vcpu *v, uint16_t port, unsigned int size, uint32_t val)
{
	return split_write(dev, port, size, val, uart_out);
}

static const struct io_port_ops uart_ops = {uart_read, uart_write};

static void uart_tx(void *ctx, uint8_t byte)
{
	struct platform *pl = ctx;
	char c = (char)byte;

	partition_console_write(pl->p, &c, 1);
}

/* 0xCF8-0xCFF: PCI configuration mechanism #1, with the reset control register at 0xCF9. */
static int pci_read(void *dev, struct vcpu *v, uint16_t port, unsigned int size, uint32_t *val)
{
	((struct platform *)dev)->gen++;
	struct platform *pl = dev;

	if (port == PORT_RESET_CTL && size == 1) {
		*val = pl->reset_ctl;
		return 0;
	}
	return vpci_io_read(&pl->pci, port, size, val);
}

static int pci_write(void *dev, struct vcpu *v, uint16_t port, unsigned int size, uint32_t val)
{
	((struct platform *)dev)->gen++;
	struct platform *pl = dev;

	if (port == PORT_RESET_CTL && size == 1) {
		pl->reset_ctl = (uint8_t)val & (RST_CNT_SYS_RST | RST_CNT_RST_CPU);
		if (val & RST_CNT_RST_CPU)
			pl->power = POWER_REBOOT;
		return 0;
	}
	return vpci_io_write(&pl->pci, port, size, val);
}

static const struct io_port_ops pci_ops = {pci_read, pci_write};

/* The ACPI PM1 event and control blocks and the PM timer (ACPI 6.5, 4.8.3). */
static int pm_read(void *dev, struct vcpu *v, uint16_t port, unsigned int size, uint32_t *val)
{
	((struct platform *)dev)->gen++;
	struct platform *pl = dev;
	uint16_t off = port - ACPI_DEFAULT_PM1A_EVT;

	if (port >= ACPI_DEFAULT_PM_TMR) {
		*val = vpmtimer_io_read(&pl->pmt, port - ACPI_DEFAULT_PM_TMR, size, now_ns());
		return 0;
	}
	if (port >= ACPI_DEFAULT_PM1A_CNT) {
		*val = pl->pm1_cnt | ACPI_PM1_CNT_SCI_EN;
		return 0;
	}
	/* PM1_STS at +0, PM1_EN at +2; nothing ever sets a status bit. */
	*val = (off < 2) ? pl->pm1_sts : pl->pm1_en;
	return 0;
}

static int pm_write(void *dev, struct vcpu *v, uint16_t port, unsigned int size, uint32_t val)
{
	((struct platform *)dev)->gen++;
	struct platform *pl = dev;

	if (port >= ACPI_DEFAULT_PM_TMR)
		return 0; /* the timer is read-only */
	if (port >= ACPI_DEFAULT_PM1A_CNT) {
		pl->pm1_cnt = (uint16_t)(val & ~ACPI_PM1_CNT_SLP_EN);
		if ((val & ACPI_PM1_CNT_SLP_EN) &&
		    ((val & ACPI_PM1_CNT_SLP_TYP_MASK) >> ACPI_PM1_CNT_SLP_TYP_SHIFT) ==
			    ACPI_SLP_TYP_S5)
			pl->power = POWER_OFF;
		return 0;
	}
	if (port - ACPI_DEFAULT_PM1A_EVT < 2)
		pl->pm1_sts &= (uint16_t)~val; /* write-1-to-clear */
	else
		pl->pm1_en = (uint16_t)val;
	return 0;
}

static const struct io_port_ops pm_ops = {pm_read, pm_write};

/*
 * What is left of the PC's legacy ports: a keyboard controller that has
 * nothing to say but resets on 0xFE, POST codes, and port 92h's fast reset.
 */
static int misc_read(void *dev, struct vcpu *v, uint16_t port, unsigned int size, uint32_t *val)
{
	((struct platform *)dev)->gen++;
	struct platform *pl = dev;

	switch (port) {
	case PORT_KBC_CMD:
		*val = KBC_STATUS_IDLE;
		return 0;
	case PORT_KBC_DATA:
		*val = 0;
		return 0;
	case PORT_SYSCTL_A:
		*val = pl->sysctl_a | SYSCTL_A_A20;
		return 0;
	default:
		*val = 0xFF;
		return 0;
	}
}

static int misc_write(void *dev, struct vcpu *v, uint16_t port, unsigned int size, uint32_t val)
{
	((struct platform *)dev)->gen++;
	struct platform *pl = dev;

	if (port == PORT_KBC_CMD && (uint8_t)val == KBC_CMD_RESET)
		pl->power = POWER_REBOOT;
	if (port == PORT_SYSCTL_A) {
		pl->sysctl_a = (uint8_t)val & ~SYSCTL_A_RESET;
		if (val & SYSCTL_A_RESET)
			pl->power = POWER_REBOOT;
	}
	return 0;
}

static const struct io_port_ops misc_ops = {misc_read, misc_write};

/* The guest kernel's own panic report (vdev/pvpanic.h). */
static int pvpanic_read(void *dev, struct vcpu *v, uint16_t port, unsigned int size, uint32_t *val)
{
	*val = pvpanic_io_read(&((struct platform *)dev)->pvpanic, size);
	return 0;
}

static int pvpanic_write(void *dev, struct vcpu *v, uint16_t port, unsigned int size, uint32_t val)
{
	struct platform *pl = dev;

	switch (pvpanic_io_write(&pl->pvpanic, val)) {
	case PVPANIC_CRASHED:
		pl->power = POWER_CRASH;
		break;
	case PVPANIC_RECORD:
		if (pl->pvpanic.crash_loaded != 1)
			break; /* once per boot: the guest decides how often it writes */
		pr_warn("partition %s: the guest kernel panicked and handles it itself "
			"(pvpanic: crash kernel loaded)\n",
			pl->p->name);
		break;
	case PVPANIC_IGNORE:
		break;
	}
	return 0;
}

static const struct io_port_ops pvpanic_ops = {pvpanic_read, pvpanic_write};

/* --- MMIO ----------------------------------------------------------------- */

static int lapic_mmio_read(void *dev, struct vcpu *v, uint64_t gpa, unsigned int size,
			   uint64_t *val)
{
	((struct platform *)dev)->gen++;
	struct platform *pl = dev;
	struct vlapic *l = &pl->lapic[v->id];

	return vlapic_mmio_read(l, (uint32_t)(gpa - vlapic_mmio_base(l)), size, val, now_ns());
}

static int lapic_mmio_write(void *dev, struct vcpu *v, uint64_t gpa, unsigned int size,
			    uint64_t val)
{
	((struct platform *)dev)->gen++;
	struct platform *pl = dev;
	struct vlapic *l = &pl->lapic[v->id];

	return vlapic_mmio_write(l, (uint32_t)(gpa - vlapic_mmio_base(l)), size, val, now_ns());
}

static const struct io_mmio_ops lapic_mmio_ops = {lapic_mmio_read, lapic_mmio_write};

static int ioapic_mmio_read(void *dev, struct vcpu *v, uint64_t gpa, unsigned int size,
			    uint64_t *val)
{
	((struct platform *)dev)->gen++;
	return vioapic_mmio_read(&((struct platform *)dev)->ioapic, gpa - VIOAPIC_DEFAULT_BASE,
				 size, val);
}

static int ioapic_mmio_write(void *dev, struct vcpu *v, uint64_t gpa, unsigned int size,
			     uint64_t val)
{
	((struct platform *)dev)->gen++;
	return vioapic_mmio_write(&((struct platform *)dev)->ioapic, gpa - VIOAPIC_DEFAULT_BASE,
				  size, val);
}

static const struct io_mmio_ops ioapic_mmio_ops = {ioapic_mmio_read, ioapic_mmio_write};

static int ecam_read(void *dev, struct vcpu *v, uint64_t gpa, unsigned int size, uint64_t *val)
{
	uint32_t x = 0;
	int rc = vpci_ecam_read(&((struct platform *)dev)->pci, gpa - PARTITION_ECAM_BASE, size,
				&x);

	*val = x;
	return rc;
}

static int ecam_write(void *dev, struct vcpu *v, uint64_t gpa, unsigned int size, uint64_t val)
{
	return vpci_ecam_write(&((struct platform *)dev)->pci, gpa - PARTITION_ECAM_BASE, size,
			       (uint32_t)val);
}

static const struct io_mmio_ops ecam_ops = {ecam_read, ecam_write};

/* The test device: RAM-like bytes, but every access goes through the emulator. */
static int testdev_read(void *dev, struct vcpu *v, uint64_t gpa, unsigned int size,
			uint64_t *val)
{
	struct platform *pl = dev;
	uint64_t off = gpa - PLATFORM_TESTDEV_BASE;

	pl->testdev_accesses++;
	if (off >= PLATFORM_TESTDEV_COUNTER && off < PLATFORM_TESTDEV_COUNTER + sizeof(uint64_t)) {
		*val = pl->testdev_accesses >> ((off - PLATFORM_TESTDEV_COUNTER) * 8);
		return 0;
	}
	*val = 0;
	memcpy(val, pl->testdev_mem + off, size);
	return 0;
}

static int testdev_write(void *dev, struct vcpu *v, uint64_t gpa, unsigned int size, uint64_t val)
{
	struct platform *pl = dev;
	uint64_t off = gpa - PLATFORM_TESTDEV_BASE;

	pl->testdev_accesses++;
	if (off + size > PLATFORM_TESTDEV_COUNTER && off < PLATFORM_TESTDEV_SIZE)
		return 0; /* the counter is read-only */
	memcpy(pl->testdev_mem + off, &val, size);
	return 0;
}

static const struct io_mmio_ops testdev_ops = {testdev_read, testdev_write};

/* --- MSRs ------------------------------------------------------------------ */

static int lapic_msr_read(void *dev, struct vcpu *v, uint32_t msr, uint64_t *val)
{
	((struct platform *)dev)->gen++;
	struct vlapic *l = &((struct platform *)dev)->lapic[v->id];

	if (msr == VLAPIC_MSR_APIC_BASE) {
		*val = vlapic_get_base(l);
		return 0;
	}
	if (msr == MSR_IA32_TSC_DEADLINE) {
		uint64_t ns = vlapic_get_tsc_deadline(l);

		*val = ns ? tsc_at_ns(ns) : 0;
		return 0;
	}
	return vlapic_msr_read(l, msr, val, now_ns());
}

static int lapic_msr_write(void *dev, struct vcpu *v, uint32_t msr, uint64_t val)
{
	((struct platform *)dev)->gen++;
	struct vlapic *l = &((struct platform *)dev)->lapic[v->id];

	if (msr == VLAPIC_MSR_APIC_BASE)
		return vlapic_set_base(l, val);
	if (msr == MSR_IA32_TSC_DEADLINE) {
		uint64_t base = tsc_at_ns(0);

		/* A deadline in the past becomes 1 ns: it fires at once, 0 would disarm. */
		vlapic_set_tsc_deadline(l, val == 0 ? 0 : val <= base ? 1 : tsc_to_ns(val - base));
		return 0;
	}
	return vlapic_msr_write(l, msr, val, now_ns());
}

static const struct io_msr_ops lapic_msr_ops = {lapic_msr_read, lapic_msr_write};

/*
 * KVM's paravirtual clock (vdev/kvmclock.h). Time 0 of the clock is the
 * hypervisor's time 0 (tsc_at_ns(0)), the instant the virtual RTC's wall
 * clock is also counted from, so both agree. The structures never change
 * after they are written: the TSC's rate is fixed and shared by every vCPU.
 * A value the guest cannot be served (misaligned, not in its RAM) is kept
 * but writes nothing, as KVM does; the guest then sees no clock data.
 */
static void kvmclock_publish(struct platform *pl, struct vcpu *v, uint32_t msr, uint64_t val)
{
	uint8_t buf[KVMCLOCK_TIME_INFO_SIZE];
	uint64_t gpa = val & ~KVMCLOCK_SYSTEM_TIME_ENABLE;
	bool ok = kvmclock_gpa_ok(val);
	size_t len;

	if (msr == KVMCLOCK_MSR_WALL_CLOCK) {
		kvmclock_wall_clock(buf, 0, (uint32_t)boot_wall_clock(), 0);
		len = KVMCLOCK_WALL_CLOCK_SIZE;
		ok = ok && gpa == val; /* no enable bit here: the address as it is */
	} else {
		if (!(val & KVMCLOCK_SYSTEM_TIME_ENABLE))
			return;
		kvmclock_time_info(buf, 0, tsc_at_ns(0), 0, &pl->kvmclock_scale);
		len = KVMCLOCK_TIME_INFO_SIZE;
	}
	/* The guest decides how often this happens: within the partition's log budget. */
	if ((!ok || gmem_write(pl->p, gpa, buf, len) < 0) &&
	    pl->p->unbacked_logs++ < UNBACKED_LOG_LIMIT)
		pr_warn("partition %s vCPU %u: KVM clock MSR %#x = %#llx: not an aligned address in its RAM, "
			"nothing written\n",
			pl->p->name, v->id, msr, (unsigned long long)val);
}

static int kvmclock_msr_read(void *dev, struct vcpu *v, uint32_t msr, uint64_t *val)
{
	struct platform *pl = dev;

	*val = msr == KVMCLOCK_MSR_WALL_CLOCK ? pl->kvmclock_wall_clock
					      : pl->kvmclock_system_time[v->id];
	return 0;
}

static int kvmclock_msr_write(void *dev, struct vcpu *v, uint32_t msr, uint64_t val)
{
	struct platform *pl = dev;

	if (msr == KVMCLOCK_MSR_WALL_CLOCK)
		pl->kvmclock_wall_clock = val;
	else
		pl->kvmclock_system_time[v->id] = val;
	kvmclock_publish(pl, v, msr, val);
	return 0;
}

static const struct io_msr_ops kvmclock_msr_ops = {kvmclock_msr_read, kvmclock_msr_write};

/* --- the partition hooks ------------------------------------------------------ */

/* Run device time forward; vCPU 0's CPU keeps the time of the shared devices. */
static void advance_locked(struct platform *pl, struct vcpu *v, uint64_t now)
{
	int c;

	vlapic_advance(&pl->lapic[v->id], now);
	if (v->id != 0)
		return;
	vpit_advance(&pl->pit, now);
	vrtc_advance(&pl->rtc, now);
	while (vuart_rx_room(&pl->uart) && (c = partition_console_getc(pl->p)) >= 0)
		vuart_rx_push(&pl->uart, (uint8_t)c);
}

static uint64_t deadline_locked(struct platform *pl, struct vcpu *v, uint64_t now)
{
	uint64_t when = vlapic_next_event(&pl->lapic[v->id]);

	if (v->id == 0) {
		when = MIN(when, vpit_next_event(&pl->pit, now));
		when = MIN(when, vrtc_next_event(&pl->rtc, now));
	}
	return when;
}

static bool extint_pending(struct platform *pl, struct vcpu *v)
{
	return v->id == 0 && vlapic_extint_pending(&pl->lapic[0]) && vpic_has_interrupt(&pl->pic);
}

static void plat_vcpu_entry(struct vcpu *v)
{
	struct platform *pl = plat_of(v);
	struct vlapic *l = &pl->lapic[v->id];
	struct partition *p = v->part;
	uint64_t flags, now = now_ns(), when;
	enum power_req power;
	bool window = false;

	flags = spin_lock_irqsave(&pl->lock);
	if (pl->seen_gen[v->id] != pl->gen || now >= pl->next_event[v->id] ||
	    (v->id == 0 && READ_ONCE(p->con_in_head) != READ_ONCE(p->con_in_tail))) {
		advance_locked(pl, v, now);
		pl->next_event[v->id] = deadline_locked(pl, v, now);
		pl->seen_gen[v->id] = pl->gen;
	}
	power = pl->power;
	pl->power = POWER_NONE;
	{
		int vec = vlapic_pending(l);
		bool irq = vec >= 0 || extint_pending(pl, v);

		if (!virt->can_inject(v)) {
			/*
			 * An event is already queued (a re-injection): ask for an
			 * exit once it is delivered, or a pending interrupt could
			 * wait for an unrelated exit that may never come.
			 */
			window = irq || pl->nmi[v->id];
		} else if (pl->nmi[v->id]) {
			pl->nmi[v->id] = false;
			virt->inject_nmi(v);
			window = irq;
		} else if (irq) {
			if (virt->irq_window(v)) {
				if (vec >= 0)
					vlapic_ack(l, (uint8_t)vec);
				else
					vec = vpic_ack(&pl->pic);
				virt->inject_irq(v, (uint8_t)vec);
			} else {
				window = true;
			}
		}
	}
	virt->request_irq_window(v, window);
	when = pl->next_event[v->id];
	spin_unlock_irqrestore(&pl->lock, flags);

	sched_arm_timer(when);
	if (power == POWER_OFF)
		partition_poweroff(v);
	else if (power == POWER_REBOOT)
		partition_reboot(v);
	else if (power == POWER_CRASH)
		partition_crash(v, "guest kernel panic (reported through pvpanic)",
				PVPANIC_DEFAULT_PORT);
}

/* HLT ends on an interrupt the vCPU would take (RFLAGS.IF) or an NMI. */
static bool plat_vcpu_wakeup(struct vcpu *v)
{
	struct platform *pl = plat_of(v);
	uint64_t flags = spin_lock_irqsave(&pl->lock);
	bool wake;

	advance_locked(pl, v, now_ns());
	pl->next_event[v->id] = 0; /* re-evaluate at the next entry */
	wake = pl->nmi[v->id] || pl->power != POWER_NONE ||
	       ((v->regs.rflags & RFLAGS_IF) &&
		(vlapic_pending(&pl->lapic[v->id]) >= 0 || extint_pending(pl, v)));
	spin_unlock_irqrestore(&pl->lock, flags);
	return wake;
}

static uint64_t plat_vcpu_deadline(struct vcpu *v)
{
	struct platform *pl = plat_of(v);
	uint64_t flags = spin_lock_irqsave(&pl->lock);
	uint64_t when = deadline_locked(pl, v, now_ns());

	spin_unlock_irqrestore(&pl->lock, flags);
	return when;
}

static void plat_vcpu_init_signal(struct vcpu *v)
{
	struct platform *pl = plat_of(v);
	uint64_t flags = spin_lock_irqsave(&pl->lock);

	vlapic_init_reset(&pl->lapic[v->id]);
	pl->nmi[v->id] = false;
	pl->gen++;
	spin_unlock_irqrestore(&pl->lock, flags);
}

static uint64_t plat_acpi_rsdp(struct partition *p)
{
	return p->platform ? ((struct platform *)p->platform)->rsdp : 0;
}

/* Everything a reboot puts back: devices, APICs, ACPI tables in the (scrubbed) RAM. */
static void plat_reset(struct partition *p)
{
	struct platform *pl = p->platform;
	struct acpi_build_params ap;
	static uint8_t tables[ACPI_AREA_SIZE];
	static spinlock_t tables_lock = SPINLOCK_INIT;
	uint64_t now = now_ns(), flags;
	struct irq_sink isa = {isa_irq_set, pl}, intr = {pic_intr_set, pl};
	struct vioapic_ops io_ops = {ioapic_deliver, pl};
	size_t used = 0;
	int64_t wall;

	flags = spin_lock_irqsave(&pl->lock);
	vpic_init(&pl->pic, &intr);
	vioapic_init(&pl->ioapic, PLATFORM_IOAPIC_ID, &io_ops);
	vpit_init(&pl->pit, &isa, now);
	wall = boot_wall_clock() + (int64_t)(now / NS_PER_SEC);
	vrtc_init(&pl->rtc, &isa, wall, now);
	vpmtimer_init(&pl->pmt, now);
	vuart_init(&pl->uart, &isa, IRQ_COM1, uart_tx, pl);
	vpci_init(&pl->pci, PARTITION_ECAM_BASE, ECAM_BUS_END);
	pvpanic_init(&pl->pvpanic);
	for (unsigned int i = 0; i < p->nvcpus; i++) {
		struct vlapic_config cfg = {
			.ops = {lapic_send_ipi, lapic_eoi, &pl->lapic_ctx[i]},
			.x2apic = true,
		};

		vlapic_setup(&pl->lapic[i], &cfg, i, i == 0);
		pl->nmi[i] = false;
		pl->next_event[i] = 0; /* run the devices at the first entry */
		pl->kvmclock_system_time[i] = 0;
	}
	pl->sysctl_a = 0;
	pl->reset_ctl = 0;
	pl->pm1_sts = pl->pm1_en = pl->pm1_cnt = 0;
	pl->power = POWER_NONE;
	pl->kvmclock_wall_clock = 0;
	memset(pl->testdev_mem, 0, sizeof(pl->testdev_mem));
	pl->testdev_accesses = 0;
	spin_unlock_irqrestore(&pl->lock, flags);

	memset(&ap, 0, sizeof(ap));
	ap.base = p->memory - ACPI_AREA_SIZE;
	ap.nvcpus = p->nvcpus;
	ap.ioapic_id = PLATFORM_IOAPIC_ID;
	ap.ioapic_addr = ACPI_IOAPIC_ADDR;
	ap.pm1a_evt = ACPI_DEFAULT_PM1A_EVT;
	ap.pm1a_cnt = ACPI_DEFAULT_PM1A_CNT;
	ap.pm_tmr = ACPI_DEFAULT_PM_TMR;
	ap.sci_irq = ACPI_DEFAULT_SCI_IRQ;
	ap.ecam_base = PARTITION_ECAM_BASE;
	ap.ecam_bus_end = ECAM_BUS_END;
	ap.pvpanic_port = PVPANIC_DEFAULT_PORT;
	/* One staging buffer for all partitions: tables are built one at a time. */
	flags = spin_lock_irqsave(&tables_lock);
	if (acpi_build(&ap, tables, sizeof(tables), &used, &pl->rsdp) == 0)
		gmem_write(p, ap.base, tables, used);
	else
		pl->rsdp = 0;
	spin_unlock_irqrestore(&tables_lock, flags);
	if (!pl->rsdp)
		pr_err("partition %s: cannot build its ACPI tables\n", p->name);
}

static int claim_all(struct platform *pl)
{
	struct iomap *m = &pl->p->io;
	int err = 0;

	m->lock = &pl->lock;
	err |= iomap_claim_ports(m, PORT_PIC_MASTER, 2, &pic_ops, pl);
	err |= iomap_claim_ports(m, PORT_PIC_SLAVE, 2, &pic_ops, pl);
	err |= iomap_claim_ports(m, PORT_PIC_ELCR, 2, &pic_ops, pl);
	err |= iomap_claim_ports(m, PORT_PIT, PORT_PIT_COUNT, &pit_ops, pl);
	err |= iomap_claim_ports(m, PORT_NMI_SC, 1, &pit_ops, pl);
	err |= iomap_claim_ports(m, PORT_RTC, 2, &rtc_ops, pl);
	err |= iomap_claim_ports(m, PORT_COM1, VUART_NR_PORTS, &uart_ops, pl);
	err |= iomap_claim_ports(m, PORT_PCI, PORT_PCI_COUNT, &pci_ops, pl);
	err |= iomap_claim_ports(m, ACPI_DEFAULT_PM1A_EVT,
				 ACPI_DEFAULT_PM_TMR + 4 - ACPI_DEFAULT_PM1A_EVT, &pm_ops, pl);
	err |= iomap_claim_ports(m, PORT_KBC_DATA, 1, &misc_ops, pl);
	err |= iomap_claim_ports(m, PORT_KBC_CMD, 1, &misc_ops, pl);
	err |= iomap_claim_ports(m, PORT_POST, 1, &misc_ops, pl);
	err |= iomap_claim_ports(m, PORT_SYSCTL_A, 1, &misc_ops, pl);
	err |= iomap_claim_ports(m, PVPANIC_DEFAULT_PORT, PVPANIC_IO_LEN, &pvpanic_ops, pl);
	err |= iomap_claim_mmio(m, VLAPIC_DEFAULT_BASE, VLAPIC_MMIO_SIZE, &lapic_mmio_ops, pl);
	err |= iomap_claim_mmio(m, VIOAPIC_DEFAULT_BASE, VIOAPIC_MMIO_SIZE, &ioapic_mmio_ops, pl);
	err |= iomap_claim_mmio(m, PARTITION_ECAM_BASE, PARTITION_ECAM_SIZE, &ecam_ops, pl);
	if (pl->testdev)
		err |= iomap_claim_mmio(m, PLATFORM_TESTDEV_BASE, PLATFORM_TESTDEV_SIZE,
					&testdev_ops, pl);
	err |= iomap_claim_msrs(m, VLAPIC_MSR_APIC_BASE, 1, &lapic_msr_ops, pl);
	err |= iomap_claim_msrs(m, VLAPIC_MSR_X2APIC_LO,
				VLAPIC_MSR_X2APIC_HI - VLAPIC_MSR_X2APIC_LO + 1, &lapic_msr_ops, pl);
	err |= iomap_claim_msrs(m, MSR_IA32_TSC_DEADLINE, 1, &lapic_msr_ops, pl);
	err |= iomap_claim_msrs(m, KVMCLOCK_MSR_WALL_CLOCK, KVMCLOCK_MSR_COUNT, &kvmclock_msr_ops,
				pl);
	return err ? -EEXIST : 0;
}

static void plat_destroy(struct partition *p)
{
	struct platform *pl = p->platform;

	if (!pl)
		return;
	hv_free(pl->lapic);
	hv_free(pl->lapic_ctx);
	hv_free(pl->nmi);
	hv_free(pl->seen_gen);
	hv_free(pl->next_event);
	hv_free(pl->kvmclock_system_time);
	hv_free(pl);
	p->platform = NULL;
}

static int plat_create(struct partition *p)
{
	struct platform *pl;

	if (p->memory <= ACPI_AREA_SIZE)
		return -EINVAL;
	if (p->memory > PLATFORM_RAM_LIMIT) {
		pr_err("partition %s: %llu MiB of RAM would cover the device window at %#llx; "
		       "at most %llu MiB for now\n",
		       p->name, (unsigned long long)(p->memory >> 20),
		       (unsigned long long)PLATFORM_RAM_LIMIT,
		       (unsigned long long)(PLATFORM_RAM_LIMIT >> 20));
		return -EINVAL;
	}
	pl = hv_zalloc(sizeof(*pl));
	if (!pl)
		return -ENOMEM;
	p->platform = pl;
	pl->p = p;
	pl->lock = (spinlock_t)SPINLOCK_INIT;
	pl->testdev = p->cfg.testdev;
	pl->lapic = hv_zalloc(p->nvcpus * sizeof(*pl->lapic));
	pl->lapic_ctx = hv_zalloc(p->nvcpus * sizeof(*pl->lapic_ctx));
	pl->nmi = hv_zalloc(p->nvcpus * sizeof(*pl->nmi));
	pl->seen_gen = hv_zalloc(p->nvcpus * sizeof(*pl->seen_gen));
	pl->next_event = hv_zalloc(p->nvcpus * sizeof(*pl->next_event));
	pl->kvmclock_system_time = hv_zalloc(p->nvcpus * sizeof(*pl->kvmclock_system_time));
	if (!pl->lapic || !pl->lapic_ctx || !pl->nmi || !pl->seen_gen || !pl->next_event ||
	    !pl->kvmclock_system_time) {
		plat_destroy(p);
		return -ENOMEM;
	}
	if (kvmclock_scale(tsc_hz, &pl->kvmclock_scale) < 0) {
		pr_err("partition %s: no KVM clock scale for a TSC of %llu Hz\n", p->name,
		       (unsigned long long)tsc_hz);
		plat_destroy(p);
		return -EINVAL;
	}
	for (unsigned int i = 0; i < p->nvcpus; i++) {
		pl->lapic_ctx[i].plat = pl;
		pl->lapic_ctx[i].index = i;
	}
	/* The devices themselves are initialised by plat_reset() before every boot. */
	return claim_all(pl);
}

static const struct partition_hooks hooks = {
	.create = plat_create,
	.reset = plat_reset,
	.destroy = plat_destroy,
	.vcpu_entry = plat_vcpu_entry,
	.vcpu_wakeup = plat_vcpu_wakeup,
	.vcpu_deadline = plat_vcpu_deadline,
	.vcpu_init_signal = plat_vcpu_init_signal,
	.acpi_rsdp = plat_acpi_rsdp,
};

void platform_register(void)
{
	partition_set_hooks(&hooks);
}
