namespace Grid;
