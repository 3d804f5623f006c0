//! `hotline-projections`: the projection runner and read models.
