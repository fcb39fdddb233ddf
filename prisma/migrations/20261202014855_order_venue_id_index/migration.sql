-- CreateIndex
CREATE INDEX "orders_venue_venueOrderId_idx" ON "orders"("venue", "venueOrderId");
