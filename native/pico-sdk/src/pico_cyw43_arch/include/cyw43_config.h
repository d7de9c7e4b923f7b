/* cyw43_config.h: the driver's configuration knobs a program may read or override. */
#ifndef CYW43_CONFIG_H
#define CYW43_CONFIG_H

#ifndef CYW43_LWIP
#define CYW43_LWIP 1
#endif
#ifndef CYW43_HOST_NAME
#define CYW43_HOST_NAME "PicoW"
#endif
#ifndef CYW43_USE_STATS
#define CYW43_USE_STATS 0
#endif
#ifndef CYW43_NETUTILS
#define CYW43_NETUTILS 0
#endif
#ifndef CYW43_GPIO
#define CYW43_GPIO 1
#endif
/* Static addresses used when lwIP has no DHCP (LWIP_DHCP 0): as the driver's defaults. */
#ifndef CYW43_DEFAULT_IP_STA_ADDRESS
#define CYW43_DEFAULT_IP_STA_ADDRESS LWIP_MAKEU32(0, 0, 0, 0)
#endif
#ifndef CYW43_DEFAULT_IP_MASK
#define CYW43_DEFAULT_IP_MASK LWIP_MAKEU32(255, 255, 255, 0)
#endif
#ifndef CYW43_DEFAULT_IP_STA_GATEWAY
#define CYW43_DEFAULT_IP_STA_GATEWAY LWIP_MAKEU32(0, 0, 0, 0)
#endif
#ifndef CYW43_DEFAULT_IP_DNS
#define CYW43_DEFAULT_IP_DNS LWIP_MAKEU32(0, 0, 0, 0)
#endif

#endif
