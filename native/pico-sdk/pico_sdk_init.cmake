# The host Pico SDK: what a Pico SDK project reaches through PICO_SDK_PATH, for two
# platforms the real SDK does not have in this form:
#   PICO_PLATFORM=wasm  a program module (emcmake; blocking waits yield to JavaScript)
#   PICO_PLATFORM=host  a native executable whose Ethernet link is a stream socket
# Written from the SDK's documentation (library names, functions, behaviour), not from its
# sources. A project includes this file (directly, or through its pico_sdk_import.cmake)
# and calls pico_sdk_init(); every library is an INTERFACE target, so lwIP, Mbed TLS and
# this SDK's own C are compiled per program with the program's lwipopts.h and
# mbedtls_config.h, as on the device.
if(DEFINED PICO_HOST_SDK_INCLUDED)
  return()
endif()
set(PICO_HOST_SDK_INCLUDED 1)
set(PICO_SDK_PATH ${CMAKE_CURRENT_LIST_DIR} CACHE PATH "Path to the host Pico SDK" FORCE)
set(PICO_SDK_VERSION_STRING "2.2.0")
set(PICO_SDK_VERSION_MAJOR 2)
set(PICO_SDK_VERSION_MINOR 2)
set(PICO_SDK_VERSION_REVISION 0)

# What the real SDK's CMake tells a project about the board it builds for.
set(PICO_BOARD pico_w CACHE STRING "Board" FORCE)
set(PICO_CYW43_SUPPORTED 1)
set(PICO_RP2040 1)

if(NOT LWIP_SRC OR NOT MBEDTLS_SRC)
  message(FATAL_ERROR "Set LWIP_SRC and MBEDTLS_SRC (lwip-pico build does) to lwIP 2.2.1 and Mbed TLS 3.6 trees")
endif()
set(PICO_LWIP_PATH ${LWIP_SRC})
set(PICO_LWIP_CONTRIB_PATH ${LWIP_SRC}/contrib)
set(PICO_MBEDTLS_PATH ${MBEDTLS_SRC})

include(${CMAKE_CURRENT_LIST_DIR}/cmake/functions.cmake)

# After project(): the toolchain (emcmake or the host's) is known only then.
macro(pico_sdk_init)
  if(NOT PICO_HOST_SDK_INITIALISED)
    set(PICO_HOST_SDK_INITIALISED 1)
    if(NOT PICO_PLATFORM)
      if(EMSCRIPTEN)
        set(PICO_PLATFORM wasm)
      else()
        set(PICO_PLATFORM host)
      endif()
    endif()
    if(PICO_PLATFORM STREQUAL "wasm" AND NOT EMSCRIPTEN)
      message(FATAL_ERROR "PICO_PLATFORM=wasm needs emscripten's toolchain (configure with emcmake cmake)")
    endif()
    if(NOT PICO_PLATFORM MATCHES "^(wasm|host)$")
      message(FATAL_ERROR "PICO_PLATFORM=${PICO_PLATFORM}: this SDK builds for `wasm` or `host` only")
    endif()
    include(${PICO_SDK_PATH}/cmake/libraries.cmake)
  endif()
endmacro()
