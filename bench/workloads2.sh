# placeholder
w4_forwards_all() { :; }
w5_datapath_all() { :; }
