# For a project of its own (not built by lwip-pico): copy beside the project's top-level
# CMakeLists.txt, as with the real SDK, and set PICO_SDK_PATH to native/pico-sdk.
if(DEFINED ENV{PICO_SDK_PATH} AND NOT PICO_SDK_PATH)
  set(PICO_SDK_PATH $ENV{PICO_SDK_PATH})
endif()
if(NOT PICO_SDK_PATH)
  message(FATAL_ERROR "Set PICO_SDK_PATH to this project's native/pico-sdk")
endif()
include(${PICO_SDK_PATH}/pico_sdk_init.cmake)
