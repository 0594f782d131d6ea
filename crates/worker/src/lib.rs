//! leasehold worker component.
