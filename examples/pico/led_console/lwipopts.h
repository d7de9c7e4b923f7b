#ifndef LWIPOPTS_H
#define LWIPOPTS_H
#include "lwipopts_common.h"
#endif
