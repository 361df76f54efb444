/* SPDX-License-Identifier: MIT */
/*
 * Instruction encodings for test_emu, produced by the system assembler so
 * that expected lengths and bytes come from gas, not from hand-typed
 * tables. Each CASEnn assembles one instruction in nn-bit code into
 * .rodata (never executed) and adds {name, start, end, bits} to
 * emu_case_table, which the test looks up by name. Cases named bad_* are
 * hand-made byte strings the decoder must reject; the length check skips
 * them.
 */
	.macro CASE bits, name, insn:vararg
	.pushsection .rodata.emu_code, "a"
	.code\bits
.Lstart_\name:
	\insn
.Lend_\name:
	.code64
	.popsection
	.pushsection .rodata.emu_names, "a"
.Lname_\name:
	.asciz "\name"
	.popsection
	.pushsection .data.emu_tab, "aw"
	.quad .Lname_\name, .Lstart_\name, .Lend_\name, \bits
	.popsection
	.endm

	.macro CASE64 name, insn:vararg
	CASE 64, \name, \insn
	.endm
	.macro CASE32 name, insn:vararg
	CASE 32, \name, \insn
	.endm
	.macro CASE16 name, insn:vararg
	CASE 16, \name, \insn
	.endm

	.pushsection .data.emu_tab, "aw"
	.balign 8
	.globl emu_case_table
emu_case_table:
	.popsection

/*
 * The ALU family in 64-bit code: memory destination (mr), memory source
 * (rm), memory with immediates (mi: 80/81; mis: 83 sign-extended imm8) and
 * accumulator with immediate (ai), in every width. Memory is (%rbx), the
 * register is rCX (CL in byte form).
 */
	.irp op, add, or, adc, sbb, and, sub, xor, cmp
	CASE64 \op\()_mr8, \op\()b %cl, (%rbx)
	CASE64 \op\()_mr16, \op\()w %cx, (%rbx)
	CASE64 \op\()_mr32, \op\()l %ecx, (%rbx)
	CASE64 \op\()_mr64, \op\()q %rcx, (%rbx)
	CASE64 \op\()_rm8, \op\()b (%rbx), %cl
	CASE64 \op\()_rm16, \op\()w (%rbx), %cx
	CASE64 \op\()_rm32, \op\()l (%rbx), %ecx
	CASE64 \op\()_rm64, \op\()q (%rbx), %rcx
	CASE64 \op\()_mi8, \op\()b $0xa5, (%rbx)
	CASE64 \op\()_mi16, \op\()w $0x8123, (%rbx)
	CASE64 \op\()_mi32, \op\()l $0x80000123, (%rbx)
	CASE64 \op\()_mi64, \op\()q $-0x7edcba98, (%rbx)
	CASE64 \op\()_mis16, \op\()w $-3, (%rbx)
	CASE64 \op\()_mis32, \op\()l $-3, (%rbx)
	CASE64 \op\()_mis64, \op\()q $0x7f, (%rbx)
	CASE64 \op\()_ai8, \op\()b $0xa5, %al
	CASE64 \op\()_ai16, \op\()w $0x8123, %ax
	CASE64 \op\()_ai32, \op\()l $0x80000123, %eax
	CASE64 \op\()_ai64, \op\()q $-0x7edcba98, %rax
	.endr

/* TEST: 84/85 (register), F6/F7 /0 (immediate), A8/A9 (accumulator). */
	CASE64 test_mr8, testb %cl, (%rbx)
	CASE64 test_mr16, testw %cx, (%rbx)
	CASE64 test_mr32, testl %ecx, (%rbx)
	CASE64 test_mr64, testq %rcx, (%rbx)
	CASE64 test_mi8, testb $0xa5, (%rbx)
	CASE64 test_mi16, testw $0x8123, (%rbx)
	CASE64 test_mi32, testl $0x80000123, (%rbx)
	CASE64 test_mi64, testq $-0x7edcba98, (%rbx)
	CASE64 test_ai8, testb $0xa5, %al
	CASE64 test_ai32, testl $0x80000123, %eax

/* INC, DEC, NOT, NEG on memory (FE/FF /0-1, F6/F7 /2-3). */
	.irp op, inc, dec, not, neg
	CASE64 \op\()_m8, \op\()b (%rbx)
	CASE64 \op\()_m16, \op\()w (%rbx)
	CASE64 \op\()_m32, \op\()l (%rbx)
	CASE64 \op\()_m64, \op\()q (%rbx)
	.endr

/* MOV 88/89/8A/8B in every width, with legacy high-byte and REX registers. */
	CASE64 mov_mr8, movb %cl, (%rbx)
	CASE64 mov_mr16, movw %cx, (%rbx)
	CASE64 mov_mr32, movl %ecx, (%rbx)
	CASE64 mov_mr64, movq %rcx, (%rbx)
	CASE64 mov_rm8, movb (%rbx), %cl
	CASE64 mov_rm16, movw (%rbx), %cx
	CASE64 mov_rm32, movl (%rbx), %ecx
	CASE64 mov_rm64, movq (%rbx), %rcx
	CASE64 mov_mr8_ah, movb %ah, (%rbx)
	CASE64 mov_rm8_bh, movb (%rbx), %bh
	CASE64 mov_mr8_sil, movb %sil, (%rbx)
	CASE64 mov_rm8_r9b, movb (%rbx), %r9b
	CASE64 mov_rm64_r15, movq (%r8), %r15
	CASE64 mov_mr32_r10d, movl %r10d, (%r11)
	CASE64 mov_rm16_r12, movw (%r12), %dx
	CASE64 mov_rm32_r13, movl (%r13), %eax
/* C6/C7 immediates. */
	CASE64 mov_mi8, movb $0xa5, (%rbx)
	CASE64 mov_mi16, movw $0x8123, (%rbx)
	CASE64 mov_mi32, movl $0x80000123, (%rbx)
	CASE64 mov_mi64, movq $-0x7edcba98, (%rbx)
/* moffs A0-A3: 64-bit offsets, and 32-bit ones with 67. */
	CASE64 mov_moffs_load8, movabsb 0x10000123, %al
	CASE64 mov_moffs_load16, movabsw 0x10000124, %ax
	CASE64 mov_moffs_load32, movabsl 0x10000128, %eax
	CASE64 mov_moffs_load64, movabsq 0x10000130, %rax
	CASE64 mov_moffs_store8, movabsb %al, 0x10000123
	CASE64 mov_moffs_store64, movabsq %rax, 0x10000130
	CASE64 mov_moffs_a32, addr32 movl 0x10000128, %eax
	CASE64 mov_moffs_fs, movabsl %fs:0x28, %eax
/* MOVZX/MOVSX (0F B6/B7/BE/BF) and MOVSXD (63). */
	CASE64 movzx_b16, movzbw (%rbx), %cx
	CASE64 movzx_b32, movzbl (%rbx), %ecx
	CASE64 movzx_b64, movzbq (%rbx), %rcx
	CASE64 movzx_w32, movzwl (%rbx), %ecx
	CASE64 movzx_w64, movzwq (%rbx), %rcx
	CASE64 movsx_b16, movsbw (%rbx), %cx
	CASE64 movsx_b32, movsbl (%rbx), %ecx
	CASE64 movsx_b64, movsbq (%rbx), %rcx
	CASE64 movsx_w32, movswl (%rbx), %ecx
	CASE64 movsx_w64, movswq (%rbx), %rcx
	CASE64 movsxd_64, movslq (%rbx), %rcx
/* XCHG 86/87 with memory, both operand orders. */
	CASE64 xchg_8, xchgb %cl, (%rbx)
	CASE64 xchg_16, xchgw (%rbx), %cx
	CASE64 xchg_32, xchgl %ecx, (%rbx)
	CASE64 xchg_64, xchgq %rcx, (%rbx)
/* CMPXCHG (0F B0/B1) and XADD (0F C0/C1). */
	CASE64 cmpxchg_8, lock cmpxchgb %cl, (%rbx)
	CASE64 cmpxchg_16, cmpxchgw %cx, (%rbx)
	CASE64 cmpxchg_32, lock cmpxchgl %ecx, (%rbx)
	CASE64 cmpxchg_64, cmpxchgq %rcx, (%rbx)
	CASE64 xadd_8, xaddb %cl, (%rbx)
	CASE64 xadd_32, lock xaddl %ecx, (%rbx)
	CASE64 xadd_64, xaddq %rcx, (%rbx)

/* BT family: register bit offset (rCX) on memory, and immediate forms. */
	.irp op, bt, bts, btr, btc
	CASE64 \op\()_r16, \op\()w %cx, (%rbx)
	CASE64 \op\()_r32, \op\()l %ecx, (%rbx)
	CASE64 \op\()_r64, \op\()q %rcx, (%rbx)
	CASE64 \op\()_i16, \op\()w $21, (%rbx)
	CASE64 \op\()_i32, \op\()l $45, (%rbx)
	CASE64 \op\()_i64, \op\()q $77, (%rbx)
	CASE64 \op\()_reg, \op\()l %ecx, %edx
	.endr
	CASE64 lock_bts, lock btsl %ecx, (%rbx)

/* String instructions: REP, DF, address-size override. */
	CASE64 movsb, movsb
	CASE64 movsw, movsw
	CASE64 movsl, movsl
	CASE64 movsq, movsq
	CASE64 rep_movsb, rep movsb
	CASE64 rep_movsw, rep movsw
	CASE64 rep_movsl, rep movsl
	CASE64 rep_movsq, rep movsq
	CASE64 rep_stosb, rep stosb
	CASE64 rep_stosw, rep stosw
	CASE64 rep_stosl, rep stosl
	CASE64 rep_stosq, rep stosq
	CASE64 stosq, stosq
	CASE64 lodsl, lodsl
	CASE64 rep_movsl_a32, addr32 rep movsl
	CASE64 rep_movsb_fs, rep movsb %fs:(%rsi), %es:(%rdi)

/* Addressing: RIP-relative, SIB with scaled index, no base, SS bases. */
	CASE64 rip_rel, movl %ecx, 0x1234(%rip)
	CASE64 rip_rel_neg, movl -0x40(%rip), %ecx
	CASE64 rip_rel_a32, movl %ecx, 0x1234(%eip)
	CASE64 sib_scale4, movl %ecx, 0x10(%rbx,%rsi,4)
	CASE64 sib_scale8_r, movq %rcx, -8(%r12,%r13,8)
	CASE64 sib_nobase, movl %ecx, 0x10000100(,%rsi,2)
	CASE64 sib_r12_index, movl %ecx, (%rbx,%r12,1)
	CASE64 sib_rsp, movl %ecx, 8(%rsp)
	CASE64 rbp_disp8, movl %ecx, 0x7f(%rbp)
	CASE64 r13_disp0, movl %ecx, (%r13)
	CASE64 disp32_abs, movl %ecx, 0x10000200
	CASE64 disp32_neg, movl %ecx, -0x100(%rbx)
	CASE64 a32_index, addr32 movl %ecx, 4(%ebx,%esi,2)
/* Prefixes in several orders, overrides. */
	CASE64 pfx_fs, movl %ecx, %fs:(%rbx)
	CASE64 pfx_gs, movl %ecx, %gs:8(%rbx)
	CASE64 pfx_es_ignored, movl %ecx, %es:(%rbx)
	CASE64 pfx_66_rex, movw %r9w, (%r8)
	CASE64 pfx_lock_66, lock addw %cx, (%rbx)
	CASE64 pfx_66_lock, .byte 0x66, 0xf0, 0x01, 0x0b
	CASE64 pfx_seg_66_67, .byte 0x64, 0x66, 0x67, 0x89, 0x0b
	CASE64 pfx_rex_then_66, .byte 0x48, 0x66, 0x89, 0x0b
	CASE64 pfx_two_rex, .byte 0x41, 0x48, 0x89, 0x0b
	CASE64 pfx_f2_f3_movs, .byte 0xf2, 0xf3, 0xa4
	CASE64 pfx_max15, .byte 0x66,0x66,0x66,0x66,0x66, 0x2e,0x2e,0x2e, 0x3e,0x3e, 0x48, 0xc7,0x03,0x01,0x00,0x00,0x00
	CASE64 pfx_exact15, .byte 0x66,0x66,0x66,0x66,0x66, 0x2e,0x2e,0x2e, 0x48, 0xc7,0x03,0x01,0x00,0x00,0x00
	CASE64 lock_add, lock addl %ecx, (%rbx)
	CASE64 lock_inc, lock incq (%rbx)

/* 32-bit code (protected mode or compatibility mode). */
	CASE32 m32_mov_mr, movl %ecx, (%ebx)
	CASE32 m32_mov_rm16, movw 4(%ebx), %cx
	CASE32 m32_mov_rm8_ch, movb (%ebx), %ch
	CASE32 m32_add_mi, addl $0x1000, 8(%esi)
	CASE32 m32_or_mis, orw $-2, (%ebx,%ecx,4)
	CASE32 m32_moffs, movl 0x10000128, %eax
	CASE32 m32_moffs_a16, addr16 movl 0x0128, %eax
	CASE32 m32_a16_bxsi, addr16 movl %ecx, 2(%bx,%si)
	CASE32 m32_a16_bp, addr16 movl %ecx, (%bp)
	CASE32 m32_a16_disp16, addr16 movw %cx, 0x1234
	CASE32 m32_rep_movsl, rep movsl
	CASE32 m32_a16_rep_stosb, addr16 rep stosb
	CASE32 m32_inc_eax, incl %eax
	CASE32 m32_dec_edi, decl %edi
	CASE32 m32_sib_ebp, movl %ecx, 4(%ebp,%esi,8)
	CASE32 m32_disp32, movl %ecx, 0x10000200
	CASE32 m32_btl_neg, btl %ecx, (%ebx)
	CASE32 m32_movzx, movzbl (%ebx), %ecx
	CASE32 m32_fs, movl %ecx, %fs:(%ebx)
	CASE32 m32_arpl, arpl %cx, (%ebx)
/* 16-bit code (real mode or 16-bit protected mode). */
	CASE16 m16_mov_mr, movw %cx, (%bx)
	CASE16 m16_mov_mr32, movl %ecx, (%bx)
	CASE16 m16_mov_bp_di, movw %cx, 0x10(%bp,%di)
	CASE16 m16_a32, addr32 movw %cx, (%ebx)
	CASE16 m16_rep_movsw, rep movsw
	CASE16 m16_mov_mi, movw $0x1234, (%si)

/* Not emulated (#UD, -ENOTSUP) and invalid (#UD, -EINVAL) forms. */
	CASE64 ud_cpuid, cpuid
	CASE64 ud_hlt, hlt
	CASE64 ud_ud2, ud2
	CASE64 ud_mul, mull (%rbx)
	CASE64 ud_call, call *(%rbx)
	CASE64 ud_mov_imm64, movabsq $0x1122334455667788, %rax
	CASE64 ud_cmps, cmpsb
	CASE64 ud_movdqa, movdqa (%rbx), %xmm0
	CASE64 inv_lock_mov, .byte 0xf0, 0x89, 0x0b
	CASE64 inv_lock_reg, .byte 0xf0, 0x01, 0xc8
	CASE64 inv_lock_cmp, .byte 0xf0, 0x39, 0x0b
	CASE64 inv_lock_bt, .byte 0xf0, 0x0f, 0xa3, 0x0b
	CASE64 inv_82, .byte 0x82, 0x03, 0x01
	CASE64 inv_fe_2, .byte 0xfe, 0x13
	CASE64 inv_ba_0, .byte 0x0f, 0xba, 0x03, 0x01

	.pushsection .data.emu_tab, "aw"
	.globl emu_case_table_end
emu_case_table_end:
	.popsection
	.section .note.GNU-stack, "", @progbits
