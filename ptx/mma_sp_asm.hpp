// Inline-PTX operand lists for mma.sp / mma.sp::ordered_metadata, one macro per register
// signature (D, A, B, C register counts). As in mma_sync_asm.hpp, DC/AC are the constraint
// letters of C/D and A/B. After C come the metadata register `e` and the sparsity selector,
// which the ISA wants as an immediate ("n"), never a register.
#pragma once

#define TCB_ASM_SP_D2_A2_B2_C2(PTX, DC, AC, SEL)                                          \
  asm volatile(PTX " {%0,%1}, {%2,%3}, {%4,%5}, {%6,%7}, %8, %9;\n"                       \
               : "=" DC(d[0]), "=" DC(d[1])                                               \
               : AC(a[0]), AC(a[1]), AC(b[0]), AC(b[1]), DC(c[0]), DC(c[1]), "r"(e),      \
                 "n"(SEL))

#define TCB_ASM_SP_D4_A2_B2_C4(PTX, DC, AC, SEL)                                          \
  asm volatile(PTX " {%0,%1,%2,%3}, {%4,%5}, {%6,%7}, {%8,%9,%10,%11}, %12, %13;\n"       \
               : "=" DC(d[0]), "=" DC(d[1]), "=" DC(d[2]), "=" DC(d[3])                   \
               : AC(a[0]), AC(a[1]), AC(b[0]), AC(b[1]), DC(c[0]), DC(c[1]), DC(c[2]),    \
                 DC(c[3]), "r"(e), "n"(SEL))

#define TCB_ASM_SP_D2_A4_B4_C2(PTX, DC, AC, SEL)                                          \
  asm volatile(PTX " {%0,%1}, {%2,%3,%4,%5}, {%6,%7,%8,%9}, {%10,%11}, %12, %13;\n"       \
               : "=" DC(d[0]), "=" DC(d[1])                                               \
               : AC(a[0]), AC(a[1]), AC(a[2]), AC(a[3]), AC(b[0]), AC(b[1]), AC(b[2]),    \
                 AC(b[3]), DC(c[0]), DC(c[1]), "r"(e), "n"(SEL))

#define TCB_ASM_SP_D4_A4_B4_C4(PTX, DC, AC, SEL)                                          \
  asm volatile(PTX " {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9,%10,%11},"                      \
                   " {%12,%13,%14,%15}, %16, %17;\n"                                      \
               : "=" DC(d[0]), "=" DC(d[1]), "=" DC(d[2]), "=" DC(d[3])                   \
               : AC(a[0]), AC(a[1]), AC(a[2]), AC(a[3]), AC(b[0]), AC(b[1]), AC(b[2]),    \
                 AC(b[3]), DC(c[0]), DC(c[1]), DC(c[2]), DC(c[3]), "r"(e), "n"(SEL))
