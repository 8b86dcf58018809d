/** Sizes are counted in 10^-8 of the base asset on every venue the simulator speaks. */
export const SIZE_SCALE = 8;
