/* fixture: a leaf, includes nothing */
