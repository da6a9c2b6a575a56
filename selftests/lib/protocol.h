/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The console protocol's C names, from lib/protocol.def: the markers the
 * programs print and the kinds of metric record (lib/metrics.h).
 */
#ifndef BOOTMEM_PROTOCOL_H
#define BOOTMEM_PROTOCOL_H

enum protocol_marker {
#define PROTOCOL_MARKER(name, text) MARKER_##name,
#define PROTOCOL_METRIC(kind, required, optional)
#include "protocol.def"
#undef PROTOCOL_METRIC
#undef PROTOCOL_MARKER
	MARKERS
};

enum metric_kind {
#define PROTOCOL_MARKER(name, text)
#define PROTOCOL_METRIC(kind, required, optional) METRIC_##kind,
#include "protocol.def"
#undef PROTOCOL_METRIC
#undef PROTOCOL_MARKER
	METRIC_KINDS
};

/* The text of @marker, e.g. "BOOTMEM-LEND: " for MARKER_LEND. */
const char *protocol_marker(enum protocol_marker marker);

#endif
