/** The longest hold a drill may ask for: ValidateInput refuses more, and the machine's overall timeout allows it. */
export const MAX_DRILL_HOLD_SECONDS = 3600;
