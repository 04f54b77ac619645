#!/usr/bin/env node
import { rwMain } from "../rw-main.js";

rwMain("rw-sub");
