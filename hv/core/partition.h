/* SPDX-License-Identifier: MIT */
/*
 * Partitions: isolated guests. A partition owns its guest-physical memory
 * (2 MiB blocks from the frame pool, zeroed at creation and scrubbed when
 * returned), its nested page tables and ASID (through the backend), its
 * vCPUs, its console line buffer and its statistics.
 */
#ifndef CORE_PARTITION_H
#define CORE_PARTITION_H

#include "core/config.h"
#include "core/iomap.h"
#include "core/vcpu.h"
#include "lib/spinlock.h"

#define PARTITION_BLOCK_SIZE MiB(2)
/*
 * The PCI ECAM window of every partition's platform (1 MiB per bus): guest
 * RAM ends below it, the Linux loader reserves it in the E820 map, the
 * platform decodes it and announces it in the MCFG table. One bus: every
 * device a partition gets sits on bus 0, and Linux probes for peer host
 * bridges on every bus the MCFG names (8000 exits at boot for 255 empty
 * buses). A partition with PCI bridges will need more.
 */
#define PARTITION_ECAM_BASE 0xB0000000ull
#define PARTITION_ECAM_BUSES 1
#define PARTITION_ECAM_SIZE (PARTITION_ECAM_BUSES * MiB(1))
/* The top of guest RAM that holds the partition's ACPI tables. */
#define PARTITION_ACPI_AREA KiB(64)
#define PARTITION_CONSOLE_LINE 160
/*
 * Bytes typed for the guest and not yet taken by its UART: enough for a
 * pasted command or a short script (the host console has no flow control).
 */
#define PARTITION_CONSOLE_INPUT 4096

enum partition_state {
	PART_CREATED,
	PART_RUNNING,
	PART_PAUSED,	/* reserved for the monitor (later) */
	PART_STOPPED,
};

struct partition {
	unsigned int id;
	char name[CFG_NAME_MAX];
	struct cfg_partition cfg;	/* what the configuration asked for */
	volatile enum partition_state state;
	spinlock_t lock;		/* state changes, console buffer */

	/* Guest RAM: guest-physical [0, memory), block i at host block_hpa[i]. */
	uint64_t memory;
	uint64_t nblocks;
	uint64_t *block_hpa;

	const void *image;		/* the boot module: test-guest ELF or Linux bzImage */
	uint64_t image_size;
	const void *initrd;		/* Linux initrd module, or NULL */
	uint64_t initrd_size;

	unsigned int nvcpus;
	struct vcpu *vcpus;

	void *backend;			/* nested page tables, ASID */
	struct iomap io;		/* ports, MMIO and MSRs claimed by devices */
	void *platform;			/* the virtual platform (vdev layer) */
	uint64_t boot_cr3;		/* the loader's page tables (test guests) */
	uint64_t unbacked_logs;		/* rate limit for access logs */
	uint64_t unbacked_accesses;	/* reads/writes of unbacked guest-physical memory */
	unsigned int boots;		/* starts, including restarts */

	char con_line[PARTITION_CONSOLE_LINE];
	unsigned int con_len;
	uint8_t con_in[PARTITION_CONSOLE_INPUT];	/* ring: typed input */
	unsigned int con_in_head, con_in_tail;
	uint64_t con_in_dropped;
	uint64_t con_in_warned; /* con_in_dropped when input last got through */
};

/*
 * The virtual platform's part in a partition's life, registered once at
 * boot by the virtual-device layer (core does not call up into vdev/
 * otherwise). Every hook is optional.
 */
struct partition_hooks {
	/* Build the devices and claim their ports, MMIO ranges and MSRs. 0 or -errno. */
	int (*create)(struct partition *p);
	/* Before every boot (the first and each restart): devices to reset state. */
	void (*reset)(struct partition *p);
	void (*destroy)(struct partition *p);
	/* On v's CPU right before each guest entry: advance timers, inject interrupts. */
	void (*vcpu_entry)(struct vcpu *v);
	/* A halted vCPU has an interrupt (or NMI/INIT) to take: it may run. */
	bool (*vcpu_wakeup)(struct vcpu *v);
	/* Guest time (ns) of v's next timer event, or UINT64_MAX. */
	uint64_t (*vcpu_deadline)(struct vcpu *v);
	/* An INIT signal reached v (its virtual APIC to the INIT state). */
	void (*vcpu_init_signal)(struct vcpu *v);
	/* Guest-physical address of the partition's ACPI RSDP (0: none). */
	uint64_t (*acpi_rsdp)(struct partition *p);
};

void partition_set_hooks(const struct partition_hooks *h);
extern const struct partition_hooks *part_hooks;

/*
 * Create a partition from a configuration entry: memory, nested page
 * tables, vCPUs; load the image and set vCPU 0 to its entry. Errors are
 * logged with the partition's name; returns NULL on failure.
 */
struct partition *partition_create(const struct cfg_partition *cfg, const void *image,
				   uint64_t image_size, const void *initrd, uint64_t initrd_size);

/* Make vCPU 0 runnable and put every vCPU on its CPU's run queue. */
void partition_start(struct partition *p);

/*
 * What happens once every partition has stopped (the on_last_stop= option):
 * the hypervisor stays up (the default), or powers the machine off.
 */
enum partition_last_stop { PARTITION_LAST_STOP_STAY, PARTITION_LAST_STOP_POWEROFF };
void partition_set_last_stop(enum partition_last_stop what);

/*
 * The guest did something fatal (triple fault, access outside its memory,
 * an exit that cannot be handled). Logs one line and applies on_crash.
 * Called on the faulting vCPU's CPU.
 */
void partition_crash(struct vcpu *v, const char *reason, uint64_t addr);

/* Power off / reboot requested by the guest: applies on_poweroff/on_reboot. */
void partition_poweroff(struct vcpu *v);
void partition_reboot(struct vcpu *v);

/* Print a partial console line now (when the partition stops). */
void partition_console_flush(struct partition *p);

/* Append guest console output; whole lines go out prefixed "[name] ". */
void partition_console_write(struct partition *p, const char *buf, size_t len);

/* Queue a byte typed on the console for the guest (dropped when the ring is full). */
void partition_console_input(struct partition *p, uint8_t byte);

/* Take the next queued input byte; -1 if none. */
int partition_console_getc(struct partition *p);

/* All partitions, for the hypercall and the monitor. */
extern struct partition *partitions[CFG_MAX_PARTITIONS];
extern unsigned int npartitions;

#endif
