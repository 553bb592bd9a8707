// Inline-PTX operand lists for mma.sync, one macro per register signature
// (D, A, B, C register counts). DC/AC are the constraint letters of C/D and A/B:
// "r" (.b32), "f" (.f32) or "d" (.f64). Accumulator in and out share one array.
#pragma once

#define TCB_ASM_D2_A1_B1_C2(PTX, DC, AC)                                       \
  asm volatile(PTX " {%0,%1}, {%2}, {%3}, {%4,%5};\n"                          \
               : "=" DC(d[0]), "=" DC(d[1])                                    \
               : AC(a[0]), AC(b[0]), DC(c[0]), DC(c[1]))

#define TCB_ASM_D2_A2_B1_C2(PTX, DC, AC)                                       \
  asm volatile(PTX " {%0,%1}, {%2,%3}, {%4}, {%5,%6};\n"                       \
               : "=" DC(d[0]), "=" DC(d[1])                                    \
               : AC(a[0]), AC(a[1]), AC(b[0]), DC(c[0]), DC(c[1]))

#define TCB_ASM_D2_A4_B2_C2(PTX, DC, AC)                                       \
  asm volatile(PTX " {%0,%1}, {%2,%3,%4,%5}, {%6,%7}, {%8,%9};\n"              \
               : "=" DC(d[0]), "=" DC(d[1])                                    \
               : AC(a[0]), AC(a[1]), AC(a[2]), AC(a[3]), AC(b[0]), AC(b[1]),   \
                 DC(c[0]), DC(c[1]))

#define TCB_ASM_D4_A1_B1_C4(PTX, DC, AC)                                       \
  asm volatile(PTX " {%0,%1,%2,%3}, {%4}, {%5}, {%6,%7,%8,%9};\n"              \
               : "=" DC(d[0]), "=" DC(d[1]), "=" DC(d[2]), "=" DC(d[3])        \
               : AC(a[0]), AC(b[0]), DC(c[0]), DC(c[1]), DC(c[2]), DC(c[3]))

#define TCB_ASM_D4_A2_B1_C4(PTX, DC, AC)                                       \
  asm volatile(PTX " {%0,%1,%2,%3}, {%4,%5}, {%6}, {%7,%8,%9,%10};\n"          \
               : "=" DC(d[0]), "=" DC(d[1]), "=" DC(d[2]), "=" DC(d[3])        \
               : AC(a[0]), AC(a[1]), AC(b[0]), DC(c[0]), DC(c[1]), DC(c[2]),   \
                 DC(c[3]))

#define TCB_ASM_D4_A2_B2_C4(PTX, DC, AC)                                       \
  asm volatile(PTX " {%0,%1,%2,%3}, {%4,%5}, {%6,%7}, {%8,%9,%10,%11};\n"      \
               : "=" DC(d[0]), "=" DC(d[1]), "=" DC(d[2]), "=" DC(d[3])        \
               : AC(a[0]), AC(a[1]), AC(b[0]), AC(b[1]), DC(c[0]), DC(c[1]),   \
                 DC(c[2]), DC(c[3]))

#define TCB_ASM_D4_A4_B2_C4(PTX, DC, AC)                                            \
  asm volatile(PTX " {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%10,%11,%12,%13};\n"   \
               : "=" DC(d[0]), "=" DC(d[1]), "=" DC(d[2]), "=" DC(d[3])             \
               : AC(a[0]), AC(a[1]), AC(a[2]), AC(a[3]), AC(b[0]), AC(b[1]),        \
                 DC(c[0]), DC(c[1]), DC(c[2]), DC(c[3]))

#define TCB_ASM_D4_A8_B4_C4(PTX, DC, AC)                                              \
  asm volatile(PTX " {%0,%1,%2,%3}, {%4,%5,%6,%7,%8,%9,%10,%11}, {%12,%13,%14,%15}," \
                   " {%16,%17,%18,%19};\n"                                            \
               : "=" DC(d[0]), "=" DC(d[1]), "=" DC(d[2]), "=" DC(d[3])               \
               : AC(a[0]), AC(a[1]), AC(a[2]), AC(a[3]), AC(a[4]), AC(a[5]),          \
                 AC(a[6]), AC(a[7]), AC(b[0]), AC(b[1]), AC(b[2]), AC(b[3]),          \
                 DC(c[0]), DC(c[1]), DC(c[2]), DC(c[3]))

#define TCB_ASM_D8_A2_B2_C8(PTX, DC, AC)                                                 \
  asm volatile(PTX " {%0,%1,%2,%3,%4,%5,%6,%7}, {%8,%9}, {%10,%11},"                    \
                   " {%12,%13,%14,%15,%16,%17,%18,%19};\n"                               \
               : "=" DC(d[0]), "=" DC(d[1]), "=" DC(d[2]), "=" DC(d[3]), "=" DC(d[4]),   \
                 "=" DC(d[5]), "=" DC(d[6]), "=" DC(d[7])                                \
               : AC(a[0]), AC(a[1]), AC(b[0]), AC(b[1]), DC(c[0]), DC(c[1]), DC(c[2]),   \
                 DC(c[3]), DC(c[4]), DC(c[5]), DC(c[6]), DC(c[7]))
