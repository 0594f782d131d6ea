//! leasehold projection component.
