/* version.h -- this program's version and the InfluxDB API it speaks. */
#ifndef VERSION_H
#define VERSION_H

#define USERSD_VERSION		"0.1.0"
/* Sent as X-Influxdb-Version: clients pick API behaviour by it. */
#define USERSD_COMPAT_VERSION	"v2.7.12"

#endif
