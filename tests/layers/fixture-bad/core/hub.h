/* fixture: rule e. slagg_fx_part is defined in hub_part.c (fine),
 * slagg_fx_run in elsewhere.c (not), slagg_fx_inline here (fine), and
 * slagg_fx_undefined nowhere (not this check's business). */
int slagg_fx_part(void);
int slagg_fx_run(void);
int slagg_fx_undefined(void);
static inline int slagg_fx_inline(void) { return 0; }
