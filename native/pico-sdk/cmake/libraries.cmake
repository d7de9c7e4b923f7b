# The SDK's library names, each an INTERFACE library: its sources compile inside every
# program that links it, with that program's include path (its lwipopts.h,
# mbedtls_config.h) and definitions, as the Pico SDK does.
set(SDK ${PICO_SDK_PATH}/src)
set(NATIVE ${PICO_SDK_PATH}/..)   # the project's other C: the TLS adapter for Mbed TLS 3.6

function(pico_host_library NAME)
  cmake_parse_arguments(ARG "" "" "SOURCES;INCLUDES;DEFINES;LINK" ${ARGN})
  add_library(${NAME} INTERFACE)
  if(ARG_SOURCES)
    target_sources(${NAME} INTERFACE ${ARG_SOURCES})
  endif()
  if(ARG_INCLUDES)
    target_include_directories(${NAME} INTERFACE ${ARG_INCLUDES})
  endif()
  string(TOUPPER ${NAME} UPPER)
  target_compile_definitions(${NAME} INTERFACE LIB_${UPPER}=1 ${ARG_DEFINES})
  if(ARG_LINK)
    target_link_libraries(${NAME} INTERFACE ${ARG_LINK})
  endif()
endfunction()

# ---- the runtime under everything: host seam, time, stdio, panic -----------------------
# WASM: the seam is imported (host/library_pico.js), nothing to compile.
set(HOST_SRC)
if(PICO_PLATFORM STREQUAL "host")
  set(HOST_SRC ${SDK}/host/host_native.c)
endif()
pico_host_library(pico_host_runtime
  SOURCES ${SDK}/host/host_common.c ${HOST_SRC}
          ${SDK}/pico_stdlib/time.c ${SDK}/pico_stdlib/stdio.c ${SDK}/pico_stdlib/platform.c
  INCLUDES ${SDK}/host/include ${SDK}/pico_stdlib/include ${SDK}/hardware/include
  DEFINES PICO_ON_DEVICE=0 PICO_NO_HARDWARE=1 PICO_HOST_PLATFORM_${PICO_PLATFORM}=1 PICO_BOARD="pico_w"
          CYW43_WL_GPIO_LED_PIN=0)
if(PICO_PLATFORM STREQUAL "wasm")
  include(${NATIVE}/../wasm/flags.cmake)
  target_link_options(pico_host_runtime INTERFACE ${PICO_EM_LINK_FLAGS}
    --js-library=${SDK}/host/library_pico.js)
else()
  find_package(Threads)
endif()

foreach(lib pico_stdio pico_time pico_platform pico_runtime pico_util pico_printf pico_stdio_usb pico_stdio_uart hardware_timer hardware_sync pico_sync)
  pico_host_library(${lib} LINK pico_host_runtime)
endforeach()
pico_host_library(hardware_gpio SOURCES ${SDK}/hardware/gpio.c LINK pico_host_runtime)
pico_host_library(hardware_adc SOURCES ${SDK}/hardware/adc.c LINK pico_host_runtime)
pico_host_library(pico_unique_id SOURCES ${SDK}/pico_unique_id/unique_id.c
  INCLUDES ${SDK}/pico_unique_id/include LINK pico_host_runtime)
pico_host_library(pico_rand SOURCES ${SDK}/pico_rand/rand.c INCLUDES ${SDK}/pico_rand/include LINK pico_host_runtime)
pico_host_library(pico_aon_timer SOURCES ${SDK}/pico_aon_timer/aon_timer.c
  INCLUDES ${SDK}/pico_aon_timer/include LINK pico_host_runtime)
pico_host_library(pico_stdlib LINK pico_host_runtime pico_stdio pico_time hardware_gpio pico_platform pico_unique_id)

# ---- async_context ----------------------------------------------------------------------
pico_host_library(pico_async_context_base SOURCES ${SDK}/pico_async_context/async_context.c
  INCLUDES ${SDK}/pico_async_context/include LINK pico_host_runtime)
pico_host_library(pico_async_context_poll LINK pico_async_context_base)
pico_host_library(pico_async_context_threadsafe_background LINK pico_async_context_base)

# ---- lwIP, per program --------------------------------------------------------------------
file(GLOB LWIP_CORE ${LWIP_SRC}/src/core/*.c ${LWIP_SRC}/src/core/ipv4/*.c ${LWIP_SRC}/src/core/ipv6/*.c)
pico_host_library(pico_lwip
  SOURCES ${LWIP_CORE} ${LWIP_SRC}/src/netif/ethernet.c ${LWIP_SRC}/src/api/err.c ${SDK}/pico_lwip/sys_arch.c
  INCLUDES ${SDK}/pico_lwip/include ${LWIP_SRC}/src/include
  LINK pico_host_runtime)
foreach(alias pico_lwip_core pico_lwip_core4 pico_lwip_core6 pico_lwip_netif pico_lwip_nosys pico_lwip_arch)
  pico_host_library(${alias} LINK pico_lwip)
endforeach()
set(APPS ${LWIP_SRC}/src/apps)
pico_host_library(pico_lwip_http SOURCES ${APPS}/http/httpd.c ${APPS}/http/fs.c ${APPS}/http/http_client.c LINK pico_lwip)
pico_host_library(pico_lwip_httpd SOURCES ${APPS}/http/httpd.c ${APPS}/http/fs.c LINK pico_lwip)
pico_host_library(pico_lwip_mqtt SOURCES ${APPS}/mqtt/mqtt.c LINK pico_lwip)
pico_host_library(pico_lwip_sntp SOURCES ${APPS}/sntp/sntp.c LINK pico_lwip)
pico_host_library(pico_lwip_smtp SOURCES ${APPS}/smtp/smtp.c LINK pico_lwip)
pico_host_library(pico_lwip_mdns SOURCES ${APPS}/mdns/mdns.c ${APPS}/mdns/mdns_out.c ${APPS}/mdns/mdns_domain.c LINK pico_lwip)
pico_host_library(pico_lwip_iperf SOURCES ${APPS}/lwiperf/lwiperf.c LINK pico_lwip)
pico_host_library(pico_lwip_netbios SOURCES ${APPS}/netbiosns/netbiosns.c LINK pico_lwip)
pico_host_library(pico_lwip_tftp SOURCES ${APPS}/tftp/tftp.c LINK pico_lwip)

# ---- Mbed TLS, per program (the program's mbedtls_config.h) ------------------------------
file(GLOB MBEDTLS_LIBRARY ${MBEDTLS_SRC}/library/*.c)
# Angle brackets: a quoted name would be found first beside Mbed TLS's build_info.h, which
# is Mbed TLS's own default mbedtls_config.h, silently (see NOTES, "Pico W programs").
pico_host_library(pico_mbedtls
  SOURCES ${MBEDTLS_LIBRARY} ${SDK}/pico_mbedtls/pico_mbedtls.c
  INCLUDES ${MBEDTLS_SRC}/include
  DEFINES "MBEDTLS_CONFIG_FILE=<mbedtls_config.h>"
  LINK pico_host_runtime)
# lwIP's altcp_tls over Mbed TLS 3.6: our adapter (native/tls/altcp_tls_36.c) around lwIP's file.
pico_host_library(pico_lwip_mbedtls
  SOURCES ${NATIVE}/tls/altcp_tls_36.c ${NATIVE}/tls/lmw_tls_keylog.c ${APPS}/altcp_tls/altcp_tls_mbedtls_mem.c ${SDK}/pico_mbedtls/pico_altcp_tls_hooks.c
  # (the adapter's compat headers and lwIP's private TLS headers: source properties would
  # not reach targets of the program's own directory, so they are on the interface)
  INCLUDES ${NATIVE}/tls ${NATIVE}/tls/compat ${APPS}/altcp_tls ${SDK}/pico_mbedtls/include
  LINK pico_lwip pico_mbedtls)

# ---- cyw43_arch: the simulated Wi-Fi chip and its lwIP netif -------------------------------
pico_host_library(pico_cyw43_arch
  SOURCES ${SDK}/pico_cyw43_arch/cyw43_arch.c ${SDK}/pico_cyw43_arch/cyw43_driver.c
  INCLUDES ${SDK}/pico_cyw43_arch/include
  LINK pico_host_runtime pico_async_context_base)
pico_host_library(pico_cyw43_arch_none DEFINES CYW43_LWIP=0 PICO_CYW43_ARCH_POLL=1
  LINK pico_cyw43_arch)
pico_host_library(pico_cyw43_arch_lwip_poll DEFINES CYW43_LWIP=1 PICO_CYW43_ARCH_POLL=1
  SOURCES ${SDK}/pico_cyw43_arch/cyw43_lwip.c
  LINK pico_cyw43_arch pico_lwip pico_async_context_poll)
pico_host_library(pico_cyw43_arch_lwip_threadsafe_background DEFINES CYW43_LWIP=1 PICO_CYW43_ARCH_THREADSAFE_BACKGROUND=1
  SOURCES ${SDK}/pico_cyw43_arch/cyw43_lwip.c
  LINK pico_cyw43_arch pico_lwip pico_async_context_threadsafe_background)
pico_host_library(pico_cyw43_driver LINK pico_cyw43_arch)
