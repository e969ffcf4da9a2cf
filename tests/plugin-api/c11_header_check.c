/* plugin_abi.h must compile as strict C11 with every warning an error (ctest
 * plugin_abi_c11_strict runs the compiler on this file). */
#include <pvpd/plugin_abi.h>

typedef int pvpd_c11_header_check_nonempty;
