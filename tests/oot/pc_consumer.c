/* A plain-C plugin built with nothing but pkg-config (tests/oot/oot_build.sh): proves that
 * pvpd-plugin.pc gives a working include path and link flags. A bridge that does nothing. */
#include <pvpd/plugin_abi.h>

static int instance;

static pvpd_status pc_create(pvpd_host_ctx *ctx, const pvpd_host_api_v1 *host, pvpd_str config,
                             void **self) {
  (void)ctx;
  (void)host;
  (void)config;
  *self = &instance;
  return PVPD_OK;
}
static pvpd_status pc_start(void *self) {
  (void)self;
  return PVPD_OK;
}
static void pc_stop(void *self) {
  (void)self;
}
static void pc_destroy(void *self) {
  (void)self;
}

static const pvpd_plugin_vtable_v1 kVtable = {
    .struct_size = sizeof(pvpd_plugin_vtable_v1),
    .create = pc_create,
    .start = pc_start,
    .stop = pc_stop,
    .destroy = pc_destroy,
};

static const pvpd_plugin_descriptor_v1 kDescriptor = {
    .struct_size = sizeof(pvpd_plugin_descriptor_v1),
    .abi_major = PVPD_ABI_MAJOR,
    .abi_minor_built = PVPD_ABI_MINOR,
    .min_host_minor = 0,
    .name = "pc-consumer",
    .version = "0.0.1",
    .description = "built with pkg-config only",
    .license = "MIT",
    .kinds = PVPD_KIND_BRIDGE,
    .vtable = &kVtable,
};

PVPD_PLUGIN_EXPORT const pvpd_plugin_descriptor_v1 *pvpd_plugin_entry_v1(void) {
  return &kDescriptor;
}
